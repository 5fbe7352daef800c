import Foundation
import JSON
import Model

/// Writes a model as a Hugging Face GPT-2 directory: config.json, model.safetensors (fp32, GPT-2's names and
/// Conv1D layout), vocab.json and merges.txt. What transformers, vLLM and SGLang load.
public enum HuggingFaceExport {
    /// Writes `model` and its vocabulary (byte-level token strings by id, merges by rank) into `directory`.
    public static func write(_ model: ExportedModel, tokens: [String], merges: [String], to directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try safetensors(model.tensors).write(to: directory.appendingPathComponent("model.safetensors"))
        try Data(configJSON(model).serialize()).write(to: directory.appendingPathComponent("config.json"))
        var vocabulary = JSONObject()
        for (id, token) in tokens.enumerated() where vocabulary[token] == nil { vocabulary[token] = .int(id) }
        try Data(JSONValue.object(vocabulary).serialize()).write(to: directory.appendingPathComponent("vocab.json"))
        try Data((["#version: 0.2"] + merges).joined(separator: "\n").utf8 + [0x0A])
            .write(to: directory.appendingPathComponent("merges.txt"))
    }

    /// GPT2LMHeadModel's or GPT2ForSequenceClassification's config.json, keys in alphabetical order.
    static func configJSON(_ model: ExportedModel) -> JSONValue {
        let config = model.config
        var json: [String: JSONValue] = [
            "model_type": "gpt2", "activation_function": "gelu_new",
            "n_embd": .int(config.nEmbd), "n_head": .int(config.nHead), "n_layer": .int(config.nLayer),
            "n_positions": .int(config.nPositions), "n_ctx": .int(config.nPositions),
            "vocab_size": .int(config.vocabSize), "n_inner": .int(config.nInner),
            "layer_norm_epsilon": .number(Double(config.layerNormEpsilon)),
            "tie_word_embeddings": .bool(model.tiedHead), "torch_dtype": "float32",
        ]
        if let eos = config.eosTokenId { json["eos_token_id"] = .int(eos); json["bos_token_id"] = .int(eos) }
        if let pad = config.padTokenId { json["pad_token_id"] = .int(pad) }
        switch model.task {
        case .languageModel:
            json["architectures"] = ["GPT2LMHeadModel"]
        case .classifier(let labels):
            json["architectures"] = ["GPT2ForSequenceClassification"]
            json["num_labels"] = .int(labels.count)
            json["id2label"] = .object(JSONObject(labels.enumerated().map { ("\($0.offset)", .string($0.element)) }))
            // A label named twice maps to its first id.
            var label2id = JSONObject()
            for (id, label) in labels.enumerated() where label2id[label] == nil { label2id[label] = .int(id) }
            json["label2id"] = .object(label2id)
        }
        return .object(JSONObject(json.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }))
    }

    /// A safetensors file of fp32 tensors: an 8-byte header length, the JSON header padded to 8 bytes, the data.
    static func safetensors(_ tensors: [ExportedModel.Tensor]) -> Data {
        var entries = JSONObject()
        entries["__metadata__"] = ["format": "pt"]
        var offset = 0
        for tensor in tensors {
            let bytes = tensor.values.count * 4
            entries[tensor.name] = ["dtype": "F32", "shape": .array(tensor.shape.map { .int($0) }),
                                    "data_offsets": [.int(offset), .int(offset + bytes)]]
            offset += bytes
        }
        var header = JSONValue.object(entries).serialize()
        while header.count % 8 != 0 { header.append(0x20) }
        var data = Data(capacity: 8 + header.count + offset)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(contentsOf: header)
        for tensor in tensors { tensor.values.withUnsafeBytes { data.append(contentsOf: $0) } }
        return data
    }
}
