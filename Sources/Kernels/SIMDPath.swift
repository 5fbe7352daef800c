import CKernels

/// Which SIMD code the C kernels run: the widest the CPU supports, detected at run time (cpuid + xgetbv), so the
/// binary never executes an instruction the machine lacks. The int8 kernels use AVX-512 VNNI (vpdpbusd) on the
/// AVX-512 paths where the CPU has it, and their AVX2 code otherwise.
public enum SIMDPath: Int32, CaseIterable, Comparable, Sendable {
    case portable = 0
    case avx2 = 1
    case avx512 = 2
    /// AVX-512 with the bf16 dot product (vdpbf16ps).
    case avx512BF16 = 3

    /// The widest path this CPU and OS support.
    public static var supported: SIMDPath { SIMDPath(rawValue: gk_simd_supported()) ?? .portable }
    /// The path in use: `supported`, except on Intel cores with AVX-512 BF16, which take `.avx512` (their bf16
    /// panels run faster as fp32 FMAs), unless `limit(to:)` set another.
    public static var active: SIMDPath { SIMDPath(rawValue: gk_simd_active()) ?? .portable }

    /// Uses at most `path` (never more than supported) and returns the path now in use. For tests and benchmarks;
    /// call it while no kernel runs.
    @discardableResult
    public static func limit(to path: SIMDPath) -> SIMDPath { SIMDPath(rawValue: gk_limit_simd(path.rawValue))! }

    /// Every path this machine can run, narrowest first: what the twin tests iterate over.
    public static var runnable: [SIMDPath] { allCases.filter { $0 <= supported } }

    /// The name used on the command line and in benchmark output.
    public var name: String { ["portable", "avx2", "avx512", "avx512bf16"][Int(rawValue)] }

    public static func named(_ name: String) -> SIMDPath? { allCases.first { $0.name == name } }

    public static func < (a: SIMDPath, b: SIMDPath) -> Bool { a.rawValue < b.rawValue }
}
