import Foundation
import Model
import ModelFiles
import Tasks
import Tokenizer

/// Turns the configured models into a ready `InProcessBackend`: loads each distinct weights file once, finds its
/// tokenizer, and sizes each model's KV cache from the budget.
///
/// Which weights serve which task is decided by `BackendConfiguration.placements` (the manifest, the settings, the
/// flags); this loads the ones that run here.
public enum ModelLoader {
    /// The tokenizer of `source`: the one beside its weights, else the vocabulary inside a GGUF file, else GPT-2's.
    public static func tokenizer(for source: ModelSource) throws -> BPETokenizer {
        guard let directory = source.tokenizerDirectory else {
            if GGUFFile.isGGUF(source.weights), let vocabulary = try GGUFFile(url: source.weights).vocabulary() {
                return try BPETokenizer(gguf: vocabulary)
            }
            return try BPETokenizer.gpt2()
        }
        return try BPETokenizer(directory: directory)
    }

    /// How `source`'s summaries are prompted: the chat format its chat template writes, from the
    /// `tokenizer_config.json` beside its weights, else from a GGUF file's `tokenizer.chat_template`; Alpaca
    /// without either.
    public static func instructionFormat(for source: ModelSource) throws -> InstructionFormat {
        if let directory = source.tokenizerDirectory,
           let template = InstructionFormat.chatTemplate(inModelDirectory: directory) {
            return InstructionFormat(chatTemplate: template)
        }
        guard GGUFFile.isGGUF(source.weights) else { return .alpaca }
        return InstructionFormat(chatTemplate: try GGUFFile(url: source.weights).chatTemplate)
    }
}
