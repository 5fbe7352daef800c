import Foundation
import Model

/// A model's weights in Hugging Face GPT-2 form, whatever file they came from: the one layout both export formats
/// (`HuggingFaceExport`, `GGUFExport`) start from.
///
/// Names are GPT2LMHeadModel's without the `transformer.` prefix (`wte.weight`, `h.0.attn.c_attn.weight`, ...), and
/// the four matrices of each block keep Conv1D's [in, out] layout. The book's names map here in one place
/// (`bookTensors`); its separate Q, K, V matrices become one `c_attn`, and a missing QKV bias becomes zeros.
public struct ExportedModel {
    /// One tensor: its name, its logical shape and its values, row-major fp32.
    public struct Tensor {
        public var name: String
        public var shape: [Int]
        public var values: [Float]
    }

    public let config: GPTConfig
    public let task: GPTModel.Task
    /// In file order: embeddings, blocks, final norm, then the head (`lm_head.weight` or `score.weight`) when
    /// the model has one of its own.
    public let tensors: [Tensor]
    /// True when the output head is the token embedding (GPT-2's tied weights), so no head tensor is listed.
    public var tiedHead: Bool { config.architecture.tiedHead }

    /// Reads the model at `url` as `GPTModel.load` does (same configuration rules and checks), then its tensors by
    /// name.
    public static func read(from url: URL, config: GPTConfig? = nil, heads: Int? = nil) throws -> ExportedModel {
        let file = try ModelFile(at: url, config: config, heads: heads)
        // Loading checks every tensor against the configuration: a file that would not load is not exported.
        _ = try file.load()
        let source = file.source
        let reader = TensorReader(source: source)
        var tensors: [Tensor]
        switch file.scheme {
        case .book:
            if case .classifier = file.task, source.shape(of: "out_head.bias") != nil {
                throw ModelFileError.cannotExport(reason: "\(source.fileName) is a classifier whose head has a bias; "
                    + "Hugging Face's GPT2ForSequenceClassification has no bias there, so it cannot be exported")
            }
            tensors = try bookTensors(file.config, reader: reader)
            let classifier = file.task != .languageModel
            tensors.append(try reader.tensor("out_head.weight", as: classifier ? "score.weight" : "lm_head.weight"))
        case .huggingFaceLanguageModel, .huggingFaceClassifier:
            let prefix = source.shape(of: "transformer.wte.weight") != nil ? "transformer." : ""
            tensors = try huggingFaceNames(file.config).map { try reader.tensor(prefix + $0, as: $0) }
            for head in ["lm_head.weight", "score.weight"] where source.shape(of: head) != nil {
                tensors.append(try reader.tensor(head, as: head))
            }
        case .huggingFaceDecoder, .bookDecoder:
            throw ModelFileError.cannotExport(reason: "\(source.fileName) is a Llama/Qwen model; export writes GPT-2 "
                + "models only")
        }
        return ExportedModel(config: file.config, task: file.task, tensors: tensors)
    }

    /// The body's names in Hugging Face order (no head).
    static func huggingFaceNames(_ config: GPTConfig) -> [String] {
        var names = ["wte.weight", "wpe.weight"]
        for l in 0..<config.nLayer {
            names += ["ln_1.weight", "ln_1.bias", "attn.c_attn.weight", "attn.c_attn.bias", "attn.c_proj.weight",
                      "attn.c_proj.bias", "ln_2.weight", "ln_2.bias", "mlp.c_fc.weight", "mlp.c_fc.bias",
                      "mlp.c_proj.weight", "mlp.c_proj.bias"].map { "h.\(l).\($0)" }
        }
        return names + ["ln_f.weight", "ln_f.bias"]
    }

    /// The book's state dict in Hugging Face names: nn.Linear's [out, in] transposed to Conv1D's [in, out].
    static func bookTensors(_ config: GPTConfig, reader: TensorReader) throws -> [Tensor] {
        let c = config.nEmbd
        var tensors = [try reader.tensor("tok_emb.weight", as: "wte.weight"),
                       try reader.tensor("pos_emb.weight", as: "wpe.weight")]
        for l in 0..<config.nLayer {
            let p = "trf_blocks.\(l).", h = "h.\(l)."
            let qkv = try ["W_query", "W_key", "W_value"].map { try reader.tensor(p + "att.\($0).weight", as: "") }
            let stacked = Tensor(name: "", shape: [3 * c, c], values: qkv.flatMap(\.values))
            let bias = config.architecture.qkvBias
                ? try ["W_query", "W_key", "W_value"].flatMap { try reader.tensor(p + "att.\($0).bias", as: "").values }
                : [Float](repeating: 0, count: 3 * c)
            tensors += [
                try reader.tensor(p + "norm1.scale", as: h + "ln_1.weight"),
                try reader.tensor(p + "norm1.shift", as: h + "ln_1.bias"),
                stacked.transposed(as: h + "attn.c_attn.weight"),
                Tensor(name: h + "attn.c_attn.bias", shape: [3 * c], values: bias),
                try reader.tensor(p + "att.out_proj.weight", as: "").transposed(as: h + "attn.c_proj.weight"),
                try reader.tensor(p + "att.out_proj.bias", as: h + "attn.c_proj.bias"),
                try reader.tensor(p + "norm2.scale", as: h + "ln_2.weight"),
                try reader.tensor(p + "norm2.shift", as: h + "ln_2.bias"),
                try reader.tensor(p + "ff.layers.0.weight", as: "").transposed(as: h + "mlp.c_fc.weight"),
                try reader.tensor(p + "ff.layers.0.bias", as: h + "mlp.c_fc.bias"),
                try reader.tensor(p + "ff.layers.2.weight", as: "").transposed(as: h + "mlp.c_proj.weight"),
                try reader.tensor(p + "ff.layers.2.bias", as: h + "mlp.c_proj.bias"),
            ]
        }
        return tensors + [try reader.tensor("final_norm.scale", as: "ln_f.weight"),
                          try reader.tensor("final_norm.shift", as: "ln_f.bias")]
    }
}

extension ExportedModel.Tensor {
    /// The [cols, rows] transpose of a [rows, cols] matrix, under a new name.
    func transposed(as newName: String) -> ExportedModel.Tensor {
        let rows = shape[0], cols = shape[1]
        var out = [Float](repeating: 0, count: values.count)
        values.withUnsafeBufferPointer { input in
            for r in 0..<rows {
                for c in 0..<cols { out[c * rows + r] = input[r * cols + c] }
            }
        }
        return ExportedModel.Tensor(name: newName, shape: [cols, rows], values: out)
    }
}

/// Copies named tensors out of a weights file as fp32.
struct TensorReader {
    let source: WeightsFile

    func tensor(_ name: String, as newName: String) throws -> ExportedModel.Tensor {
        guard let shape = source.shape(of: name) else {
            throw GPTError.missingTensor(file: source.fileName, tensor: name)
        }
        let count = shape.reduce(1, *)
        guard count > 0 else { return ExportedModel.Tensor(name: newName, shape: shape, values: []) }
        let values = try [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            try source.copyFloats(name, into: buffer.baseAddress!)
            initialized = count
        }
        return ExportedModel.Tensor(name: newName, shape: shape, values: values)
    }
}
