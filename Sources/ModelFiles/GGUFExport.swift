import Foundation
import Model

/// Writes a language model as a GGUF of llama.cpp's `gpt2` architecture with its tokenizer: what llama.cpp's
/// server and llama-cpp-python load.
///
/// llama.cpp's gpt2 tensors are nn.Linear-shaped ([out, in]), so each Conv1D matrix is transposed here; its names map
/// from Hugging Face's in `tensorName`. The head is written even when tied, so every loader finds `output.weight`.
public enum GGUFExport {
    /// Writes `model` with its vocabulary (token strings by id, which are special, merges by rank) to `url`.
    public static func write(_ model: ExportedModel, tokens: [String], isSpecial: [Bool], merges: [String],
                             name: String, to url: URL) throws {
        guard model.task == .languageModel else {
            throw ModelFileError.cannotExport(reason: "the model is a classifier; llama.cpp's gpt2 architecture has no "
                + "classification head, so export it with --to hf")
        }
        let config = model.config
        var writer = GGUFWriter()
        writer.set("general.architecture", .string("gpt2"))
        writer.set("general.name", .string(name))
        writer.set("general.file_type", .uint32(0))  // all f32
        writer.set("gpt2.context_length", .uint32(UInt32(config.nPositions)))
        writer.set("gpt2.embedding_length", .uint32(UInt32(config.nEmbd)))
        writer.set("gpt2.feed_forward_length", .uint32(UInt32(config.nInner)))
        writer.set("gpt2.block_count", .uint32(UInt32(config.nLayer)))
        writer.set("gpt2.attention.head_count", .uint32(UInt32(config.nHead)))
        writer.set("gpt2.attention.layer_norm_epsilon", .float32(config.layerNormEpsilon))
        writer.set("tokenizer.ggml.model", .string("gpt2"))
        writer.set("tokenizer.ggml.pre", .string("gpt-2"))
        writer.set("tokenizer.ggml.tokens", .strings(tokens))
        // Token types: 1 normal, 3 control.
        writer.set("tokenizer.ggml.token_type", .int32s(isSpecial.map { $0 ? 3 : 1 }))
        writer.set("tokenizer.ggml.merges", .strings(merges))
        if let eos = config.eosTokenId {
            writer.set("tokenizer.ggml.bos_token_id", .uint32(UInt32(eos)))
            writer.set("tokenizer.ggml.eos_token_id", .uint32(UInt32(eos)))
        }
        // GPT-2 prompts start with their first word, not with <|endoftext|>.
        writer.set("tokenizer.ggml.add_bos_token", .bool(false))
        writer.set("tokenizer.ggml.add_eos_token", .bool(false))

        var head: ExportedModel.Tensor?
        for tensor in model.tensors {
            if tensor.name == "lm_head.weight" { head = tensor; continue }
            let conv1D = tensor.name.hasSuffix("c_attn.weight") || tensor.name.hasSuffix("c_proj.weight")
                || tensor.name.hasSuffix("c_fc.weight")
            let stored = conv1D ? tensor.transposed(as: tensor.name) : tensor
            writer.add(tensorName(tensor.name), shape: stored.shape, values: stored.values)
            if tensor.name == "wte.weight", model.tiedHead { head = tensor }
        }
        if let head { writer.add("output.weight", shape: head.shape, values: head.values) }
        try writer.write(to: url)
    }

    /// llama.cpp's name of a Hugging Face GPT-2 tensor.
    static func tensorName(_ name: String) -> String {
        let fixed = ["wte.weight": "token_embd.weight", "wpe.weight": "position_embd.weight",
                     "ln_f.weight": "output_norm.weight", "ln_f.bias": "output_norm.bias"]
        if let mapped = fixed[name] { return mapped }
        let parts = name.split(separator: ".", maxSplits: 2).map(String.init)  // h, N, rest
        guard parts.count == 3, parts[0] == "h" else { return name }
        let block = ["ln_1": "attn_norm", "attn.c_attn": "attn_qkv", "attn.c_proj": "attn_output",
                     "ln_2": "ffn_norm", "mlp.c_fc": "ffn_up", "mlp.c_proj": "ffn_down"]
        let rest = parts[2]
        let suffix = rest.hasSuffix(".weight") ? "weight" : "bias"
        let module = String(rest.dropLast(suffix.count + 1))
        return "blk.\(parts[1]).\(block[module] ?? module).\(suffix)"
    }
}
