import Foundation
import JSON
import XCTest

/// `--threads` through the built binary: any thread count gives the same tokens, and a bad count is refused.
final class ThreadsCommandTests: XCTestCase {
    private func generate(_ extra: [String]) throws -> (tokens: [Int], logprobs: [Double]) {
        let result = try Binary.run(["generate", "--model", Binary.model, "--prompt", "def mean(values):\n",
                                     "--max-tokens", "24", "--json"] + extra)
        XCTAssertEqual(result.code, 0, result.stderr)
        let json = try JSONValue.parse(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        return (json["tokens"]?.array?.compactMap(\.int) ?? [], json["logprobs"]?.array?.compactMap(\.double) ?? [])
    }

    func testOneThreadTheDefaultAndThreeThreadsGiveTheSameTokens() throws {
        let byDefault = try generate([])
        XCTAssertEqual(byDefault.tokens.count, 24)
        for threads in ["1", "3"] {
            let other = try generate(["--threads", threads])
            XCTAssertEqual(other.tokens, byDefault.tokens, "--threads \(threads)")
            XCTAssertEqual(other.logprobs, byDefault.logprobs, "--threads \(threads)")
        }
    }

    func testAThreadCountBelowOneIsRefusedWithTheRange() throws {
        let result = try Binary.run(["generate", "--model", Binary.model, "--prompt", "x", "--threads", "0"])
        XCTAssertNotEqual(result.code, 0)
        XCTAssertTrue(result.stderr.contains("--threads must be between 1 and"), result.stderr)
    }
}
