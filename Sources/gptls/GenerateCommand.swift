import ArgumentParser
import CommandSupport
import Engine
import Foundation
import Model
import ModelFiles
import LocalBackend
import Logging
import Tasks
import Tokenizer

/// `gptls generate`: runs a prompt through a model and prints the continuation (or one JSON object).
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate", abstract: "Generate a continuation of a prompt with a local model.")

    @Option(help: "A .safetensors, .pth or .gguf file, a Hugging Face model directory, or a directory with manifest.json (its completion model).") var model: String?
    @Option(help: "Prompt text.") var prompt: String?
    @Option(help: "Prompt as comma-separated token ids, e.g. 1,2,3.") var promptTokens: String?
    @Option(help: "Tokens to generate.") var maxTokens = 32
    @Option(help: "Sampling temperature; 0 is greedy.") var temperature: Float = 0
    @Option(help: "Keep only the K most likely tokens; 0 keeps all.") var topK = 0
    @Option(help: "Keep the smallest set of tokens whose probability reaches P.") var topP: Float = 1
    @Option(help: "Seed of the sampler's random generator.") var seed: UInt64 = 0
    @Option(help: "Head count, for files without config.json whose width is not a standard GPT-2 size.") var heads: Int?
    @Option(help: "How to hold the matrices: f32, bf16 or int8 (faster, logits differ slightly; under int8 and bf16 a GGUF file's Q4_K, Q6_K, Q5_0 and Q4_0 matrices keep their width).") var weights: WeightFormat = .f32
    @Flag(help: "Print one JSON object: prompt_tokens, tokens, text, logprobs, finish_reason.") var json = false
    @OptionGroup var threadOptions: ThreadsOption
    @OptionGroup var endpointOptions: EndpointOption

    func promptIds(_ tokenizer: BPETokenizer) throws -> [Int] {
        if let promptTokens {
            let parts = promptTokens.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            let ids = parts.compactMap { Int($0) }
            guard ids.count == parts.count, !ids.isEmpty else {
                throw ValidationError("--prompt-tokens must be comma-separated integers, got \"\(promptTokens)\"")
            }
            return ids
        }
        if let prompt {
            let ids = tokenizer.encode(prompt)
            guard !ids.isEmpty else { throw ValidationError("--prompt is empty: there is nothing to continue") }
            return ids
        }
        throw ValidationError("give --prompt TEXT or --prompt-tokens 1,2,3")
    }

    func run() throws {
        if let endpoint = endpointOptions.configuration {
            return try RemoteGeneration(endpoint: endpoint, prompt: prompt, maxTokens: maxTokens,
                                        temperature: Double(temperature), json: json).run()
        }
        guard let model else { throw ValidationError("give --model PATH, or --endpoint URL") }
        let logger = Logger(label: "gptls.generate", factory: { label in StreamLogHandler.standardError(label: label) })
        try threadOptions.apply()
        // A manifest directory names the completion weights, its configuration and its tokenizer.
        let source = try ModelSource(model: model, task: .completion)
        let tokenizer = try ModelLoader.tokenizer(for: source)
        let ids = try promptIds(tokenizer)
        let started = Date()
        let config = try source.config.map { try GPTConfig(contentsOf: $0) }
        let file = try ModelFile(at: source.weights, config: config, heads: heads ?? source.heads)
        let gpt = try file.load(weights: weights)
        logger.info("loaded \(file.scheme.rawValue) in \(Int(Date().timeIntervalSince(started) * 1000)) ms")
        guard gpt.task == .languageModel else {
            throw ValidationError("\(model) is a classifier; generate needs a language model")
        }
        let limit = min(maxTokens, gpt.config.nPositions - ids.count)
        let sampler = Sampler(.init(temperature: temperature, topK: topK, topP: topP, seed: seed))
        let end = gpt.config.eosTokenId ?? tokenizer.endOfText
        let result = try OfflineEngine(model: gpt).generate(ids, maxTokens: max(0, limit), sampler: sampler,
                                                            stopTokens: end.map { [$0] } ?? [])
        logger.info("generated \(result.tokens.count) tokens in \(Int(Date().timeIntervalSince(started) * 1000)) ms")
        let text = tokenizer.decode(result.tokens.filter { $0 != tokenizer.endOfText })
        if json {
            let object: [String: Any] = ["prompt_tokens": ids, "tokens": result.tokens, "text": text,
                                         "logprobs": result.logprobs, "finish_reason": result.finishReason.rawValue]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print(text)
        }
    }
}
