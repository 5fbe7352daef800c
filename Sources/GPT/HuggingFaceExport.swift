import Foundation

/// Writes a model as a Hugging Face GPT-2 directory: config.json, model.safetensors (fp32, GPT-2's names and
/// Conv1D layout), vocab.json and merges.txt. What transformers, vLLM and SGLang load.
public enum HuggingFaceExport {
    /// Writes `model` and its vocabulary (byte-level token strings by id, merges by rank) into `directory`.
    public static func write(_ model: ExportedModel, tokens: [String], merges: [String], to directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try safetensors(model.tensors).write(to: directory.appendingPathComponent("model.safetensors"))
        try configJSON(model).write(to: directory.appendingPathComponent("config.json"))
        var vocabulary: [String: Int] = [:]
        for (id, token) in tokens.enumerated() where vocabulary[token] == nil { vocabulary[token] = id }
        try JSONSerialization.data(withJSONObject: vocabulary, options: [.sortedKeys])
            .write(to: directory.appendingPathComponent("vocab.json"))
        try Data((["#version: 0.2"] + merges).joined(separator: "\n").utf8 + [0x0A])
            .write(to: directory.appendingPathComponent("merges.txt"))
    }

    static func configJSON(_ model: ExportedModel) throws -> Data {
        let config = model.config
        var json: [String: Any] = [
            "model_type": "gpt2", "activation_function": "gelu_new",
            "n_embd": config.nEmbd, "n_head": config.nHead, "n_layer": config.nLayer,
            "n_positions": config.nPositions, "n_ctx": config.nPositions, "vocab_size": config.vocabSize,
            "n_inner": config.nInner, "layer_norm_epsilon": Double(config.layerNormEpsilon),
            "tie_word_embeddings": model.tiedHead, "torch_dtype": "float32",
        ]
        if let eos = config.eosTokenId { json["eos_token_id"] = eos; json["bos_token_id"] = eos }
        if let pad = config.padTokenId { json["pad_token_id"] = pad }
        switch model.task {
        case .languageModel:
            json["architectures"] = ["GPT2LMHeadModel"]
        case .classifier(let labels):
            json["architectures"] = ["GPT2ForSequenceClassification"]
            json["num_labels"] = labels.count
            json["id2label"] = Dictionary(uniqueKeysWithValues: labels.enumerated().map { ("\($0.offset)", $0.element) })
            json["label2id"] = Dictionary(labels.enumerated().map { ($0.element, $0.offset) }, uniquingKeysWith: { a, _ in a })
        }
        return try JSONSerialization.data(withJSONObject: json, options: [.prettyPrinted, .sortedKeys])
    }

    /// A safetensors file of fp32 tensors: an 8-byte header length, the JSON header padded to 8 bytes, the data.
    static func safetensors(_ tensors: [ExportedModel.Tensor]) throws -> Data {
        var entries: [String: Any] = ["__metadata__": ["format": "pt"]]
        var offset = 0
        for tensor in tensors {
            let bytes = tensor.values.count * 4
            entries[tensor.name] = ["dtype": "F32", "shape": tensor.shape, "data_offsets": [offset, offset + bytes]]
            offset += bytes
        }
        var header = try JSONSerialization.data(withJSONObject: entries, options: [.sortedKeys])
        while header.count % 8 != 0 { header.append(0x20) }
        var data = Data(capacity: 8 + header.count + offset)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(header)
        for tensor in tensors { tensor.values.withUnsafeBytes { data.append(contentsOf: $0) } }
        return data
    }
}
