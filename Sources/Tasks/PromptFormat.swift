import Foundation

/// Prompt formats of the finetuned models, shared by every backend so a task reads the same locally and remotely.
public enum PromptFormat {
    /// The instruction of zero-shot classification prompts: the labels are scored as the response.
    public static func zeroShotInstruction(labels: [String]) -> String {
        "Classify the following text as one of: \(labels.joined(separator: ", "))."
    }

    /// The instruction of summary prompts where the manifest gives none.
    public static let summaryInstruction = "Summarize the following code."

    /// Labels of a zero-shot classification that names none.
    public static let defaultLabels = ["code", "prose"]

    /// The book's instruction format (Alpaca style), as its `format_input` writes it, followed by the response
    /// header the model continues after.
    public static func alpaca(instruction: String, input: String) -> String {
        var prompt = "Below is an instruction that describes a task. "
            + "Write a response that appropriately completes the request."
            + "\n\n### Instruction:\n\(instruction)"
        if !input.isEmpty { prompt += "\n\n### Input:\n\(input)" }
        return prompt + "\n\n### Response:\n"
    }

    /// A generated response without anything after it that belongs to the next turn.
    public static func cleanResponse(_ text: String) -> String {
        var response = text
        for marker in ["\n\n", "###"] {
            if let range = response.range(of: marker) { response = String(response[..<range.lowerBound]) }
        }
        return response.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
