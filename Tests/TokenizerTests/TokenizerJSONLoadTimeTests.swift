import Foundation
import Tokenizer
import XCTest

/// How long loading a full-size tokenizer.json takes: opt-in, since it measures rather than checks behaviour.
final class TokenizerJSONLoadTimeTests: XCTestCase {
    /// Loads the directory in `GPTLS_TOKENIZER_TIMING` five times and prints the median; fails above a second.
    func testLoadTimeOfAFullSizeTokenizerJSON() throws {
        guard let path = ProcessInfo.processInfo.environment["GPTLS_TOKENIZER_TIMING"] else {
            throw XCTSkip("set GPTLS_TOKENIZER_TIMING to a directory with a full-size tokenizer.json (made by "
                + "training/fixtures/make_large_tokenizer_json.py or make_family_reference.py --peers)")
        }
        let directory = URL(fileURLWithPath: path)
        var seconds: [Double] = []
        var size = 0
        for _ in 0..<5 {
            let start = DispatchTime.now().uptimeNanoseconds
            size = try BPETokenizer(directory: directory).vocabularySize
            seconds.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        let median = seconds.sorted()[2]
        print("tokenizer.json load, \(size) tokens: median \(median) s of \(seconds)")
        XCTAssertLessThan(median, 1.0)
    }
}
