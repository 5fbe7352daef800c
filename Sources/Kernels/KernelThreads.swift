import CKernels

/// How many threads each kernel call (linear layers, attention) splits its work over.
///
/// By default the CPUs this process may use (`CPUAffinity.count()`, read once); `--threads` sets it. Reading and
/// setting are atomic: set it before loading a model, and a change made while a forward pass runs applies from the
/// next pass (a pass reads the count once).
public enum KernelThreads {
    /// The default: the CPUs in this process's affinity mask at first use.
    public static let machineDefault = CPUAffinity.count()

    /// The thread count in use (>= 1). Setting a value below 1 is a programming error: validate user input first.
    public static var count: Int {
        get {
            let set = Int(gk_thread_count())
            return set > 0 ? set : machineDefault
        }
        set {
            precondition((1...Int(GK_MAX_THREADS)).contains(newValue),
                         "kernel thread count \(newValue), expected 1...\(GK_MAX_THREADS)")
            gk_set_thread_count(newValue)
        }
    }

    /// The most threads a kernel call can use.
    public static let maximum = Int(GK_MAX_THREADS)
}
