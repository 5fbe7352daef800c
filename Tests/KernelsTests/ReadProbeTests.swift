import CKernels
import XCTest

/// The bench's read-bandwidth probe reads every element it is given: its sum is the sum of the buffer.
final class ReadProbeTests: XCTestCase {
    func testProbeSumsEveryElementOfTheBuffer() {
        for n in [64, 128, 64 * 1000] {
            let x = (0..<n).map { Float($0 % 7) }  // sums below 2^24: exact in fp32 in any order
            XCTAssertEqual(gk_read_probe(x, n), x.reduce(0, +), "n \(n)")
        }
    }
}
