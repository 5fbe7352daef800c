import Foundation
import Model

/// Writes a seeded random-weight model as a Hugging Face GPT-2 directory (config.json + model.safetensors, F32).
///
/// Tests and benchmarks use it to get a model of any shape with GPT-2's vocabulary without Python or downloads;
/// the same seed always writes the same bytes. Weights are normal with standard deviation `scale` (layer norms 1 and
/// 0), so the model's outputs are varied rather than degenerate.
public enum RandomModel {
    /// A tiny model with GPT-2's vocabulary: fast enough for unit tests in debug builds.
    public static let tiny = GPTConfig(nEmbd: 32, nHead: 2, nLayer: 2, nPositions: 256, vocabSize: 50257)

    /// GPT-2 124M's shape.
    public static let gpt2Small = GPTConfig()

    /// GPT-2 355M's shape (gpt2-medium): 24 layers, 1024 channels, 16 heads.
    public static let gpt2Medium = GPTConfig(nEmbd: 1024, nHead: 16, nLayer: 24, nPositions: 1024, vocabSize: 50257)

    public static func write(config: GPTConfig, seed: UInt64 = 0, scale: Float = 0.2, to directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let c = config.nEmbd, f = config.nInner
        var tensors: [(String, [Int])] = [("wte.weight", [config.vocabSize, c]), ("wpe.weight", [config.nPositions, c])]
        for l in 0..<config.nLayer {
            tensors += [
                ("h.\(l).ln_1.weight", [c]), ("h.\(l).ln_1.bias", [c]),
                ("h.\(l).attn.c_attn.weight", [c, 3 * c]), ("h.\(l).attn.c_attn.bias", [3 * c]),
                ("h.\(l).attn.c_proj.weight", [c, c]), ("h.\(l).attn.c_proj.bias", [c]),
                ("h.\(l).ln_2.weight", [c]), ("h.\(l).ln_2.bias", [c]),
                ("h.\(l).mlp.c_fc.weight", [c, f]), ("h.\(l).mlp.c_fc.bias", [f]),
                ("h.\(l).mlp.c_proj.weight", [f, c]), ("h.\(l).mlp.c_proj.bias", [c]),
            ]
        }
        tensors += [("ln_f.weight", [c]), ("ln_f.bias", [c])]

        var header = "{"
        var offset = 0
        for (index, (name, shape)) in tensors.enumerated() {
            let bytes = shape.reduce(1, *) * 4
            header += (index == 0 ? "" : ",")
                + "\"\(name)\":{\"dtype\":\"F32\",\"shape\":[\(shape.map(String.init).joined(separator: ","))],"
                + "\"data_offsets\":[\(offset),\(offset + bytes)]}"
            offset += bytes
        }
        header += "}"
        while (header.utf8.count + 8) % 8 != 0 { header += " " }

        var data = Data()
        var length = UInt64(header.utf8.count).littleEndian
        withUnsafeBytes(of: &length) { data.append(contentsOf: $0) }
        data.append(contentsOf: Array(header.utf8))
        var random = NormalGenerator(seed: seed)
        for (name, shape) in tensors {
            let count = shape.reduce(1, *)
            let isGain = name.hasSuffix("ln_1.weight") || name.hasSuffix("ln_2.weight") || name == "ln_f.weight"
            let isNormBias = name.hasSuffix("ln_1.bias") || name.hasSuffix("ln_2.bias") || name == "ln_f.bias"
            var values = [Float](repeating: isGain ? 1 : 0, count: count)
            if !isGain && !isNormBias {
                for i in 0..<count { values[i] = random.next() * scale }
            }
            values.withUnsafeBytes { data.append(contentsOf: $0) }
        }
        try data.write(to: directory.appendingPathComponent("model.safetensors"))

        let json = """
            {"architectures": ["GPT2LMHeadModel"], "model_type": "gpt2", "activation_function": "gelu_new",
             "n_embd": \(c), "n_head": \(config.nHead), "n_layer": \(config.nLayer), "n_positions": \(config.nPositions),
             "vocab_size": \(config.vocabSize), "n_inner": \(f), "layer_norm_epsilon": \(config.layerNormEpsilon),
             "bos_token_id": 50256, "eos_token_id": 50256}
            """
        try Data(json.utf8).write(to: directory.appendingPathComponent("config.json"))
    }
}

/// Standard normal numbers from SplitMix64 and the Box-Muller transform: reproducible on every platform.
struct NormalGenerator {
    private var state: UInt64
    private var spare: Float?

    init(seed: UInt64) { state = seed }

    mutating func next() -> Float {
        if let value = spare {
            spare = nil
            return value
        }
        let u1 = max(unit(), 1e-12), u2 = unit()
        let radius = (-2 * Foundation.log(u1)).squareRoot()
        spare = Float(radius * Foundation.sin(2 * .pi * u2))
        return Float(radius * Foundation.cos(2 * .pi * u2))
    }

    private mutating func unit() -> Double {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return Double((z ^ (z >> 31)) >> 11) * 0x1p-53
    }
}
