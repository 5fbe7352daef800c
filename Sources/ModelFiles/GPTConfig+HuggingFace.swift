import Foundation
import JSON
import Model

extension GPTConfig {
    /// Reads a Hugging Face `config.json`: GPT-2's (n_embd, n_head, n_layer, n_positions, vocab_size,
    /// layer_norm_epsilon, n_inner, activation_function which must be gelu_new, eos/pad token ids), or a Llama,
    /// Qwen2 or Qwen3 one (see `readLlamaFamily`). Any other `architectures` name is an error that names it.
    public init(contentsOf url: URL) throws {
        self = try GPTConfig.readHuggingFace(url).config
    }

    /// The configuration of a `config.json` and a classifier's labels from its id2label, in id order.
    static func readHuggingFace(_ url: URL) throws -> (config: GPTConfig, labels: [String]?) {
        let file = url.lastPathComponent
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw ModelFileError.fileNotFound(path: url.path)
        }
        guard let json = (try? JSONValue.parse(data))?.object else {
            throw GPTError.invalidConfiguration(file: file, reason: "not a JSON object")
        }
        func int(_ key: String, _ fallback: Int? = nil) throws -> Int {
            if let v = json[key]?.int { return v }
            if let fallback { return fallback }
            throw GPTError.invalidConfiguration(file: file, reason: "\(key) is missing, expected an integer")
        }
        let architectureName = json["architectures"]?.array?.first?.string
        if let name = architectureName, let modelType = llamaFamilies[name] {
            return (try readLlamaFamily(json, modelType: modelType, file: file), nil)
        }
        if let name = architectureName, !name.hasPrefix("GPT2") {
            throw ModelFileError.unsupportedArchitecture(file: file, name: name)
        }
        if let act = json["activation_function"]?.string, act != "gelu_new" {
            throw GPTError.invalidConfiguration(file: file, reason: "activation_function is \(act), expected gelu_new")
        }
        var architecture = Architecture.gpt2
        architecture.qkvBias = json["qkv_bias"]?.bool ?? true
        let config = GPTConfig(
            nEmbd: try int("n_embd"), nHead: try int("n_head"), nLayer: try int("n_layer"),
            nPositions: try int("n_positions", json["n_ctx"]?.int), vocabSize: try int("vocab_size"),
            layerNormEpsilon: Float(json["layer_norm_epsilon"]?.double ?? 1e-5), nInner: json["n_inner"]?.int,
            eosTokenId: json["eos_token_id"]?.int, padTokenId: json["pad_token_id"]?.int, architecture: architecture)
        try config.validate(file: file)
        var labels: [String]?
        if let map = json["id2label"]?.object {
            let pairs = map.members.compactMap { k, v in Int(k).map { ($0, v.string ?? v.jsonText) } }
                .sorted { $0.0 < $1.0 }
            labels = pairs.map(\.1)
        }
        return (config, labels)
    }
}
