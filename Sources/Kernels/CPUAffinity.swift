import CKernels
import Foundation

/// The CPUs this process may run on.
public enum CPUAffinity {
    /// The number of CPUs in this process's affinity mask (`sched_getaffinity`), which `taskset`, cgroup cpusets and
    /// container limits narrow; where the system has no affinity mask (macOS), the active processor count. At
    /// least 1. Asks the system on every call.
    public static func count() -> Int {
        let mask = Int(gk_affinity_cpu_count())
        return max(1, mask > 0 ? mask : ProcessInfo.processInfo.activeProcessorCount)
    }
}
