import JSON
import XCTest
@testable import RemoteBackend

/// Reading a label's log-probability from an echoed reply (engines whose echo is aligned: vLLM, llama-server).
final class LabelLogprobTests: XCTestCase {
    private func reply(_ tokens: [(String, Double?)], generated: String = " x") -> JSONValue {
        var offset = 0
        var offsets: [JSONValue] = [], values: [JSONValue] = []
        for (text, value) in tokens {
            offsets.append(.int(offset))
            values.append(value.map { .number($0) } ?? .null)
            offset += text.unicodeScalars.count
        }
        let text = tokens.map(\.0).joined() + generated
        return ["choices": [["text": .string(text), "logprobs": ["text_offset": .array(offsets), "token_logprobs": .array(values)]]]]
    }

    func testTheLabelsTokensAreSummedAndThePromptsAndTheGeneratedTokenAreNot() throws {
        // Prompt "Say:\n" (2 tokens), label "prose" as "pro" + "se".
        let json = reply([("Say", nil), (":\n", -1.5), ("pro", -2.0), ("se", -0.25)])
        let (logprob, echoed) = try RemoteBackend.labelLogprob(json, promptCharacters: 5, labelCharacters: 5).get()
        XCTAssertEqual(logprob, -2.25, accuracy: 1e-12)
        XCTAssertEqual(echoed, 4)
    }

    func testOffsetsCountUnicodeScalarsAsPythonDoes() throws {
        let json = reply([("é", nil), ("→", -1), ("ok", -3)])
        let (logprob, _) = try RemoteBackend.labelLogprob(json, promptCharacters: 2, labelCharacters: 2).get()
        XCTAssertEqual(logprob, -3)
    }

    func testAReplyWithoutLogprobsNamesTheMissingCapability() {
        let json: JSONValue = ["choices": [["text": "x", "logprobs": .null]]]
        guard case .failure(let problem) = RemoteBackend.labelLogprob(json, promptCharacters: 1, labelCharacters: 1) else {
            return XCTFail("expected a failure")
        }
        XCTAssertTrue(problem.description.contains("prompt log-probabilities"), problem.description)
    }
}
