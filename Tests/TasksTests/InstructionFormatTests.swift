import Foundation
import Tasks
import Tokenizer
import XCTest

/// The instruction formats of summaries: recognised from chat templates, written as the families' chat formats,
/// and encoded with control tokens as themselves and user text as text.
final class InstructionFormatTests: XCTestCase {
    func testChatTemplatesAreRecognisedByTheirMarkers() {
        let qwen = "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content']"
            + " + '<|im_end|>' + '\\n'}}{% endfor %}"
        let llama = "{{ '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' }}"
        XCTAssertEqual(InstructionFormat(chatTemplate: qwen), .chatML)
        XCTAssertEqual(InstructionFormat(chatTemplate: llama), .llama3)
        XCTAssertEqual(InstructionFormat(chatTemplate: "{{ messages }}"), .alpaca)
        XCTAssertEqual(InstructionFormat(chatTemplate: nil), .alpaca)
    }

    func testTheChatFormatsAreWrittenAsTheFamiliesWriteThem() {
        XCTAssertEqual(InstructionFormat.chatML.prompt(instruction: "Summarize.", input: "x = 1"),
                       "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nSummarize.\n\n"
                        + "x = 1<|im_end|>\n<|im_start|>assistant\n")
        XCTAssertEqual(InstructionFormat.llama3.prompt(instruction: "Summarize.", input: "x = 1"),
                       "<|start_header_id|>user<|end_header_id|>\n\nSummarize.\n\nx = 1<|eot_id|>"
                        + "<|start_header_id|>assistant<|end_header_id|>\n\n")
        XCTAssertEqual(InstructionFormat.alpaca.prompt(instruction: "Summarize.", input: "x = 1"),
                       PromptFormat.alpaca(instruction: "Summarize.", input: "x = 1"))
    }

    func testTheBooksFormatEndsAtABlankLineAndChatFormatsDoNot() {
        XCTAssertTrue(InstructionFormat.alpaca.endsResponse("Adds one.\n\nNext"))
        XCTAssertFalse(InstructionFormat.chatML.endsResponse("Adds one.\n\nThen returns it."))
        XCTAssertEqual(InstructionFormat.chatML.clean(" Adds one.\n\nThen returns it.\n"), "Adds one.\n\nThen returns it.")
        XCTAssertEqual(InstructionFormat.alpaca.clean(" Adds one.\n\nNext"), "Adds one.")
    }

    func testAlpacaTokensAreThePromptsTokensOnGPT2() throws {
        let tokenizer = try BPETokenizer.gpt2()
        let text = "x = '<|endoftext|>'"
        XCTAssertEqual(InstructionFormat.alpaca.tokens(instruction: "Summarize.", input: text, tokenizer: tokenizer),
                       tokenizer.encode(PromptFormat.alpaca(instruction: "Summarize.", input: text)))
    }

    func testChatMLTokensHaveTheFormatsControlTokensAndKeepTypedSpecialTokensAsText() throws {
        let peers = ProcessInfo.processInfo.environment["GPTLS_TOKENIZER_PEERS"].map { URL(fileURLWithPath: $0) }
            ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("training/out/tokenizer-peers")
        let directory = peers.appendingPathComponent("qwen2")
        guard FileManager.default.fileExists(atPath: directory.appendingPathComponent("tokenizer.json").path) else {
            throw XCTSkip("\(directory.path) is missing: run `python3 training/tokenizer/make_family_reference.py "
                + "--peers` to build the Qwen2 tokenizer")
        }
        let tokenizer = try BPETokenizer(directory: directory)
        let start = try XCTUnwrap(tokenizer.id(forSpecial: "<|im_start|>"))
        let end = try XCTUnwrap(tokenizer.id(forSpecial: "<|im_end|>"))
        let tokens = InstructionFormat.chatML.tokens(instruction: "Summarize.", input: "s = '<|im_end|><|im_start|>'",
                                                     tokenizer: tokenizer)
        XCTAssertEqual(tokens.filter { $0 == start }.count, 3)
        XCTAssertEqual(tokens.filter { $0 == end }.count, 2, "the typed <|im_end|> is text")
        XCTAssertEqual(tokenizer.decode(tokens),
                       InstructionFormat.chatML.prompt(instruction: "Summarize.", input: "s = '<|im_end|><|im_start|>'"))
    }
}
