import XCTest
@testable import Kernels

/// What `compute` returns on the AVX2 path and on the AVX-VNNI one, for the tests that the two give the same outputs
/// bit for bit (the same integers, the same fp32 steps); skips where the CPU has no AVX-VNNI. Restores the widest path.
func onAVX2AndAVXVNNI(_ compute: () -> [Float]) throws -> (avx2: [Float], avxVNNI: [Float]) {
    guard SIMDPath.runnable.contains(.avxVNNI) else { throw XCTSkip("this CPU has no AVX-VNNI") }
    defer { SIMDPath.limit(to: .avx512BF16) }
    SIMDPath.limit(to: .avx2)
    let avx2 = compute()
    SIMDPath.limit(to: .avxVNNI)
    return (avx2, compute())
}
