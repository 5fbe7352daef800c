import CKernels

/// Splits work into parts run on the calling thread and helper threads (`gk_parallel`).
///
/// The helpers spin for a fraction of a millisecond after each call before they sleep, so the many short parallel
/// calls of one forward pass do not each pay for waking a thread. One call runs at a time; a call made while
/// another runs (from another thread, or from inside a part) runs its parts one after another on its own thread.
enum Parallel {
    /// Runs `body(part)` for every part in 0..<parts on up to `threads` threads and returns when all have finished.
    static func run(_ parts: Int, threads: Int = KernelThreads.count, _ body: (Int) -> Void) {
        guard parts > 1 else {
            if parts == 1 { body(0) }
            return
        }
        withoutActuallyEscaping(body) { escapable in
            var closure = escapable
            withUnsafeMutablePointer(to: &closure) { pointer in
                gk_parallel(parts, max(1, threads), { context, part in
                    context!.assumingMemoryBound(to: ((Int) -> Void).self).pointee(Int(part))
                }, pointer)
            }
        }
    }
}
