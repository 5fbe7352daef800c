import Foundation
import JSON
import Model

extension GPTConfig {
    /// Reads the configuration of a book Llama3Model or Qwen3Model, saved as JSON beside its checkpoint (`model.pth`
    /// + `model.json`) with the book's keys: vocab_size, context_length, emb_dim, n_heads, n_layers, hidden_dim,
    /// n_kv_groups, rope_base, and head_dim and qk_norm (Qwen3) or rope_freq (Llama 3's scaling: factor,
    /// low_freq_factor, high_freq_factor, original_context_length).
    ///
    /// The book's norms are fixed, not configured: eps 1e-6 in Qwen3Model (`qwen3`), 1e-5 in Llama3Model.
    static func readBookDecoder(_ url: URL, qwen3: Bool) throws -> GPTConfig {
        let file = url.lastPathComponent
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw ModelFileError.fileNotFound(path: url.path)
        }
        guard let json = (try? JSONValue.parse(data))?.object else {
            throw GPTError.invalidConfiguration(file: file, reason: "not a JSON object")
        }
        func int(_ key: String) throws -> Int {
            guard let v = json[key]?.int else {
                throw GPTError.invalidConfiguration(file: file, reason: "\(key) is missing, expected an integer")
            }
            return v
        }
        var scaling: Architecture.RopeScaling?
        if let freq = json["rope_freq"]?.object {
            func number(_ key: String) throws -> Double {
                guard let v = freq[key]?.double else {
                    throw GPTError.invalidConfiguration(file: file, reason: "rope_freq lacks \(key), expected a number")
                }
                return v
            }
            scaling = .llama3(
                factor: Float(try number("factor")), lowFrequencyFactor: Float(try number("low_freq_factor")),
                highFrequencyFactor: Float(try number("high_freq_factor")),
                originalContext: Int(try number("original_context_length")))
        }
        let heads = try int("n_heads")
        var architecture = Architecture.llama(
            epsilon: qwen3 ? 1e-6 : 1e-5, kvHeads: json["n_kv_groups"]?.int ?? heads,
            theta: Float(json["rope_base"]?.double ?? 10000), scaling: scaling, tiedHead: false)
        architecture.qkNorm = json["qk_norm"]?.bool ?? false
        let config = GPTConfig(
            nEmbd: try int("emb_dim"), nHead: heads, nLayer: try int("n_layers"),
            nPositions: try int("context_length"), vocabSize: try int("vocab_size"), nInner: try int("hidden_dim"),
            eosTokenId: nil, architecture: architecture, headDim: json["head_dim"]?.int)
        try config.validate(file: file)
        return config
    }
}
