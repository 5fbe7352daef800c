import CKernels

/// Which SIMD code the C kernels run: the widest the CPU supports, detected at run time (cpuid + xgetbv), so the
/// binary never executes an instruction the machine lacks. The int8 and 4-bit kernels use AVX-512 VNNI (vpdpbusd on
/// zmm) on the AVX-512 paths where the CPU has it, vpdpbusd on ymm on the AVX-VNNI path, and their AVX2 code otherwise.
public enum SIMDPath: Int32, CaseIterable, Comparable, Sendable {
    case portable = 0
    case avx2 = 1
    /// AVX2 with vpdpbusd on 256-bit registers (AVX-VNNI) in the int8, Q5_0/Q4_0 and Q4_K kernels: Intel cores from
    /// Alder Lake on, most without AVX-512. A CPU with AVX-512 but no AVX-VNNI (Ice Lake, Zen 4) does not run it.
    case avxVNNI = 2
    case avx512 = 3
    /// AVX-512 with the bf16 dot product (vdpbf16ps).
    case avx512BF16 = 4

    /// The widest path this CPU and OS support.
    public static var supported: SIMDPath { SIMDPath(rawValue: gk_simd_supported()) ?? .portable }
    /// The path in use: `supported`, except on Intel cores with AVX-512 BF16, which take `.avx512` (their bf16
    /// panels run faster as fp32 FMAs), unless `limit(to:)` set another.
    public static var active: SIMDPath { SIMDPath(rawValue: gk_simd_active()) ?? .portable }

    /// Uses at most `path` (never more than supported; `.avxVNNI` is `.avx2` on a CPU without AVX-VNNI) and returns
    /// the path now in use. For tests and benchmarks; call it while no kernel runs.
    @discardableResult
    public static func limit(to path: SIMDPath) -> SIMDPath { SIMDPath(rawValue: gk_limit_simd(path.rawValue))! }

    /// Every path this machine can run, narrowest first: what the twin tests iterate over.
    public static var runnable: [SIMDPath] { allCases.filter { gk_simd_runs($0.rawValue) != 0 } }

    /// The name used on the command line and in benchmark output.
    public var name: String { ["portable", "avx2", "avxvnni", "avx512", "avx512bf16"][Int(rawValue)] }

    /// Every name, narrowest first, for help texts and errors.
    public static var names: String { allCases.map(\.name).joined(separator: ", ") }

    public static func named(_ name: String) -> SIMDPath? { allCases.first { $0.name == name } }

    public static func < (a: SIMDPath, b: SIMDPath) -> Bool { a.rawValue < b.rawValue }
}
