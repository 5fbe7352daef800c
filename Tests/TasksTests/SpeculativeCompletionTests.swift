import Tasks
import Tokenizer
import XCTest

/// A completion computed ahead of its use reaches the generator marked speculative; an ordinary one does not.
final class SpeculativeCompletionTests: XCTestCase {
    private func request(speculative: Bool) throws -> GenerationRequest {
        let generator = ScriptedGenerator(measure: .tokens(try BPETokenizer.gpt2(), context: 256),
                                          replies: [.pieces([" x"])])
        var task = CompletionTask(documentKey: "d", prefix: "def f():", maxTokens: 4)
        task.speculative = speculative
        let outcomes = Outcomes<TextResult>()
        _ = InlineCompletion.run(task, on: generator, onFinish: outcomes.onFinish)
        XCTAssertEqual(try XCTUnwrap(outcomes.only).get().text, " x")
        return try XCTUnwrap(generator.generations.first)
    }

    func testASpeculativeCompletionIsASpeculativeGeneration() throws {
        XCTAssertTrue(try request(speculative: true).speculative)
        XCTAssertFalse(try request(speculative: false).speculative)
    }
}
