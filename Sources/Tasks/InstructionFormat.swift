import Foundation
import JSON
import Tokenizer

/// How an instruction and its input are put to a model: the book's Alpaca format for its finetuned GPT-2, or the
/// chat format of an instruct model (ChatML for Qwen, Llama 3's headers), recognised from the model's chat template.
///
/// The template is recognised by the markers it writes, not run: a Jinja template that uses `<|im_start|>` is
/// ChatML, one with `<|start_header_id|>` is Llama 3's, anything else (or none) is Alpaca.
public enum InstructionFormat: Equatable, Sendable {
    case alpaca
    /// `<|im_start|>system\n...<|im_end|>\n<|im_start|>user\n...<|im_end|>\n<|im_start|>assistant\n`.
    case chatML
    /// `<|start_header_id|>user<|end_header_id|>\n\n...<|eot_id|>`, then the assistant's header.
    case llama3

    /// The format a chat template (`tokenizer_config.json`'s `chat_template`, GGUF's `tokenizer.chat_template`)
    /// writes; Alpaca where there is none or it is not recognised.
    public init(chatTemplate: String?) {
        guard let template = chatTemplate else { self = .alpaca; return }
        if template.contains("<|im_start|>") {
            self = .chatML
        } else if template.contains("<|start_header_id|>") {
            self = .llama3
        } else {
            self = .alpaca
        }
    }

    /// The format named by the `chat_template` of the `tokenizer_config.json` in `directory`; Alpaca where there is
    /// no such file or template.
    public init(modelDirectory directory: URL) {
        self.init(chatTemplate: Self.chatTemplate(inModelDirectory: directory))
    }

    /// The `chat_template` of the `tokenizer_config.json` in `directory` (of a list of named templates, the
    /// `default` one); nil where there is no such file or template.
    public static func chatTemplate(inModelDirectory directory: URL) -> String? {
        let file = directory.appendingPathComponent("tokenizer_config.json")
        guard let data = try? Data(contentsOf: file), let config = try? JSONValue.parse(data) else { return nil }
        return config["chat_template"]?.string
            ?? config["chat_template"]?.array?.first { $0["name"]?.string == "default" }?["template"]?.string
    }

    /// The prompt as text, ending where the model writes its response. Control tokens appear as their text: for an
    /// engine that reads them from text, or for `tokens(instruction:input:tokenizer:)` to encode.
    public func prompt(instruction: String, input: String) -> String {
        parts(instruction: instruction, input: input).map(\.text).joined()
    }

    /// The prompt in `tokenizer`'s tokens: the format's control tokens as themselves, the instruction and input as
    /// text (special-token text in them stays text), BOS first where the tokenizer adds one.
    public func tokens(instruction: String, input: String, tokenizer: BPETokenizer) -> [Int] {
        var tokens = tokenizer.promptStart
        for part in parts(instruction: instruction, input: input) {
            tokens += part.isControl ? tokenizer.encode(part.text, allowedSpecial: [part.text]) : tokenizer.encode(part.text)
        }
        return tokens
    }

    /// Whether a response is over: for Alpaca at a blank line or the next turn's header (chat formats end on their
    /// end tokens), and for every format once the text starts looping.
    public func endsResponse(_ generated: String) -> Bool {
        if self == .alpaca, generated.contains("\n\n") || generated.contains("###") { return true }
        return TextLoop.start(in: generated) != nil
    }

    /// A generated response without its loop and without anything that belongs to the next turn.
    public func clean(_ generated: String) -> String {
        let end = TextLoop.start(in: generated) ?? generated.endIndex
        let response = String(generated[..<end])
        if self == .alpaca { return PromptFormat.cleanResponse(response) }
        return response.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private func parts(instruction: String, input: String) -> [(text: String, isControl: Bool)] {
        switch self {
        case .alpaca:
            return [(PromptFormat.alpaca(instruction: instruction, input: input), false)]
        case .chatML:
            return [("<|im_start|>", true), ("system\nYou are a helpful assistant.", false), ("<|im_end|>", true),
                    ("\n", false), ("<|im_start|>", true), ("user\n" + user(instruction, input), false),
                    ("<|im_end|>", true), ("\n", false), ("<|im_start|>", true), ("assistant\n", false)]
        case .llama3:
            return [("<|start_header_id|>", true), ("user", false), ("<|end_header_id|>", true),
                    ("\n\n" + user(instruction, input), false), ("<|eot_id|>", true),
                    ("<|start_header_id|>", true), ("assistant", false), ("<|end_header_id|>", true), ("\n\n", false)]
        }
    }

    private func user(_ instruction: String, _ input: String) -> String {
        input.isEmpty ? instruction : instruction + "\n\n" + input
    }
}
