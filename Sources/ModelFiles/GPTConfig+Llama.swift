import JSON
import Model

extension GPTConfig {
    /// The Hugging Face architectures read as `Architecture.llama` variants, by their `architectures` name.
    static let llamaFamilies = ["LlamaForCausalLM": "llama", "Qwen2ForCausalLM": "qwen2",
                                "Qwen3ForCausalLM": "qwen3"]

    /// Reads the `config.json` of a Llama 3 / SmolLM2, Qwen2 / Qwen2.5 or Qwen3 model (`model_type` llama, qwen2
    /// or qwen3), as transformers 4 (`rope_theta`, `rope_scaling`) or 5 (`rope_parameters`) writes it.
    ///
    /// Qwen2 always has a QKV bias; Llama has one (and an output bias) when `attention_bias` says so; Qwen3 adds
    /// per-head QK norms. The head is tied when `tie_word_embeddings` says so (the loader also ties it when the
    /// file has no `lm_head.weight`).
    static func readLlamaFamily(_ json: JSONObject, modelType: String, file: String) throws -> GPTConfig {
        func int(_ key: String) throws -> Int {
            guard let v = json[key]?.int else {
                throw GPTError.invalidConfiguration(file: file, reason: "\(key) is missing, expected an integer")
            }
            return v
        }
        func unsupported(_ reason: String) -> GPTError { .invalidConfiguration(file: file, reason: reason) }
        if let act = json["hidden_act"]?.string, act != "silu" {
            throw unsupported("hidden_act is \(act), expected silu")
        }
        if json["mlp_bias"]?.bool == true { throw unsupported("mlp_bias is true, expected false") }
        if json["use_sliding_window"]?.bool == true {
            throw unsupported("use_sliding_window is true, expected false (sliding-window attention is not supported)")
        }
        let heads = try int("num_attention_heads")
        let kvHeads = json["num_key_value_heads"]?.int ?? heads
        // transformers 5 keeps theta and the scaling in rope_parameters; 4 has rope_theta and rope_scaling.
        let rope = json["rope_parameters"]?.object ?? json["rope_scaling"]?.object
        let theta = rope?["rope_theta"]?.double ?? json["rope_theta"]?.double ?? 10000
        var scaling: Architecture.RopeScaling?
        let ropeType = rope?["rope_type"]?.string ?? rope?["type"]?.string ?? "default"
        switch ropeType {
        case "default":
            break
        case "llama3":
            func number(_ key: String) throws -> Double {
                guard let v = rope?[key]?.double else {
                    throw unsupported("rope scaling llama3 lacks \(key), expected a number")
                }
                return v
            }
            scaling = .llama3(
                factor: Float(try number("factor")), lowFrequencyFactor: Float(try number("low_freq_factor")),
                highFrequencyFactor: Float(try number("high_freq_factor")),
                originalContext: Int(try number("original_max_position_embeddings")))
        default:
            throw unsupported("rope type \(ropeType) is not supported, expected default or llama3")
        }
        var architecture = Architecture.llama(
            epsilon: Float(json["rms_norm_eps"]?.double ?? 1e-6), kvHeads: kvHeads, theta: Float(theta),
            scaling: scaling, tiedHead: json["tie_word_embeddings"]?.bool ?? false)
        architecture.qkvBias = modelType == "qwen2" || json["attention_bias"]?.bool == true
        architecture.qkNorm = modelType == "qwen3"
        let width = try int("hidden_size")
        // Llama 3 lists several end tokens; the first is the one generation stops at by default.
        let eos = json["eos_token_id"]?.int ?? json["eos_token_id"]?.array?.first?.int
        let config = GPTConfig(
            nEmbd: width, nHead: heads, nLayer: try int("num_hidden_layers"),
            nPositions: try int("max_position_embeddings"), vocabSize: try int("vocab_size"),
            nInner: try int("intermediate_size"), eosTokenId: eos, padTokenId: json["pad_token_id"]?.int,
            architecture: architecture, headDim: json["head_dim"]?.int)
        try config.validate(file: file)
        return config
    }
}
