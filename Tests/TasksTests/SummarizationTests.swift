import Tokenizer
import XCTest
@testable import Tasks

/// Summarise over any generator: the split to fit, the prompt format, the stop rule, the cleaning, the join and the
/// progress, written once.
final class SummarizationTests: XCTestCase {
    private let tokenizer = try! BPETokenizer.gpt2()
    private let instruction = "Summarize the following code."
    private let characters = PromptMeasure.characters(CharacterLimits(completion: 100, input: 24))

    private func summarize(_ text: String, maxTokens: Int = 16, on generator: ScriptedGenerator,
                           progress: Outcomes<Int>? = nil) -> Outcomes<TextResult> {
        let outcomes = Outcomes<TextResult>()
        let progressed = progress ?? Outcomes<Int>()
        _ = Summarization.run(SummaryTask(text: text, maxTokens: maxTokens, client: "c"), instruction: instruction,
                              on: generator,
                              progress: { done, total in progressed.onFinish(.success(done * 100 + total)) },
                              onFinish: outcomes.onFinish)
        return outcomes
    }

    func testEachPieceIsSummarisedInTheBooksFormatAndTheSummariesAreJoinedWithProgress() throws {
        let text = "let a = 1\nlet b = 2\nlet c = a + b\nprint(c)"
        let generator = ScriptedGenerator(measure: characters,
                                          replies: [.pieces([" Sets a", " and b."]), .pieces(["Adds", " them."])])
        let progress = Outcomes<Int>()
        let outcomes = summarize(text, on: generator, progress: progress)
        let result = try XCTUnwrap(outcomes.only).get()
        let prompts = generator.generations.map(\.prompt)
        XCTAssertEqual(prompts, ["let a = 1\nlet b = 2", "let c = a + b\nprint(c)"].map { piece in
            Prompt.text(PromptFormat.alpaca(instruction: instruction, input: piece))
        })
        XCTAssertEqual(result.text, "Sets a and b. Adds them.")
        XCTAssertEqual(progress.reported.map { try? $0.get() }, [102, 202], "1 of 2, then 2 of 2")
        XCTAssertEqual(generator.generations.map(\.task), [.summarize, .summarize])
        XCTAssertEqual(generator.generations.map(\.owner), ["c", "c"])
        XCTAssertEqual(result.metrics.promptTokens, prompts.map(ScriptedGenerator.length).reduce(0, +))
        XCTAssertEqual(result.metrics.promptUnit, .characters, "the sum keeps the generator's unit")
    }

    func testTheResponseEndsAtABlankLineOrTheNextTurnAndIsCleaned() throws {
        let generator = ScriptedGenerator(measure: characters, replies: [
            .pieces([" Adds two numbers.", "\n", "\n", "More text that must never be generated."]),
            .pieces(["Prints it.", "\n###", " Instruction:", "never"]),
        ])
        let result = try XCTUnwrap(summarize("a = 1 + 2 + 3 + 4 + 5\nprint(a)", on: generator).only).get()
        XCTAssertEqual(result.text, "Adds two numbers. Prints it.")
        XCTAssertEqual(result.metrics.generatedTokens, 3 + 2, "each ended at the piece that fired the rule")
    }

    func testALoopingResponseEndsWhereTheLoopBeginsAndKeepsItsFirstTurn() throws {
        let loop = Array(repeating: " x,", count: 12)
        let generator = ScriptedGenerator(measure: characters, replies: [.pieces(["Returns"] + loop)])
        let result = try XCTUnwrap(summarize("return x", on: generator).only).get()
        XCTAssertEqual(result.text, "Returns x,")
        XCTAssertEqual(result.metrics.generatedTokens, 5, "the rule ended it at the fourth turn of the loop")
    }

    func testInTokensEachPiecesPromptFitsTheContextBesideAQuarterForTheSummary() throws {
        let text = (0..<60).map { "    total += values[\($0)] * weight\n" }.joined()
        let generator = ScriptedGenerator(measure: .tokens(tokenizer, context: 256),
                                          replies: Array(repeating: .pieces(["ok"]), count: 20))
        let result = try XCTUnwrap(summarize(text, maxTokens: 100, on: generator).only).get()
        XCTAssertGreaterThan(generator.generations.count, 1, "the text was split")
        for request in generator.generations {
            XCTAssertEqual(request.maxTokens, 64, "a quarter of the context")
            guard case .text(let prompt) = request.prompt else { return XCTFail("\(request.prompt)") }
            XCTAssertLessThanOrEqual(tokenizer.encode(prompt).count, 256 - 64)
        }
        XCTAssertEqual(result.metrics.promptUnit, .tokens)
    }

    func testAFailedPieceFailsTheSummaryAndNoLaterPieceIsAsked() throws {
        let generator = ScriptedGenerator(measure: characters,
                                          replies: [.pieces(["One."]), .failure(.busy(queued: 64, limit: 64))])
        let outcomes = summarize((0..<6).map { "line \($0) of the text" }.joined(separator: "\n"), on: generator)
        guard case .failure(.busy) = outcomes.only else { return XCTFail("\(outcomes.reported)") }
        XCTAssertEqual(generator.generations.count, 2)
    }

    func testCancellingEndsTheSummaryOnceCancelsThePieceInFlightAndAsksNoMore() throws {
        let generator = ScriptedGenerator(measure: characters, replies: [.pieces(["One."]), .pieces(["Two."])])
        generator.hold()
        let outcomes = Outcomes<TextResult>()
        let handle = Summarization.run(SummaryTask(text: "a = 1\n" + String(repeating: "b", count: 30), maxTokens: 8),
                                       instruction: instruction, on: generator, progress: { _, _ in },
                                       onFinish: outcomes.onFinish)
        handle.cancel()
        generator.release()
        guard case .failure(.cancelled) = outcomes.only else { return XCTFail("\(outcomes.reported)") }
        XCTAssertEqual(generator.cancelled, [0])
        XCTAssertEqual(generator.generations.count, 1, "the late reply started nothing")
    }

    func testInCharactersTextIsSplitAtLineBreaksAndAnOverlongLineIsCut() {
        XCTAssertEqual(Summarization.split("ab\ncd\nef", characters: 5), ["ab\ncd", "ef"])
        XCTAssertEqual(Summarization.split("abcdefgh", characters: 3), ["abc", "def", "gh"])
        XCTAssertEqual(Summarization.split("", characters: 3), [""], "an empty text is one empty piece")
    }
}
