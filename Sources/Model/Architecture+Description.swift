extension Architecture: CustomStringConvertible {
    /// One line naming each choice, as `gptls inspect` shows it: "GPT-2 (LayerNorm, multi-head attention, ...)".
    public var description: String {
        var parts: [String] = []
        switch norm {
        case .layerNorm: parts.append("LayerNorm")
        case .rmsNorm(let epsilon): parts.append("RMSNorm (eps \(epsilon))")
        }
        switch attention {
        case .multiHead: parts.append("multi-head attention")
        case .grouped(let kvHeads): parts.append("grouped-query attention (\(kvHeads) KV heads)")
        }
        switch positions {
        case .learned: parts.append("learned positions")
        case .rotary(let theta, let scaling):
            var rotary = "rotary positions (theta \(theta)"
            switch scaling {
            case nil:
                break
            case let .llama3(factor, low, high, original)?:
                rotary += ", llama3 scaling: factor \(factor), low/high frequency factors \(low)/\(high), "
                    + "original context \(original)"
            case let .frequencyFactors(factors)?:
                rotary += ", llama3 scaling: \(factors.count) frequency factors from \(factors.min() ?? 1) to "
                    + "\(factors.max() ?? 1)"
            }
            parts.append(rotary + ")")
        }
        parts.append(mlp == .gelu ? "GELU MLP" : "SwiGLU MLP")
        parts.append(qkvBias ? "QKV bias" : "no QKV bias")
        if qkNorm { parts.append("QK norm") }
        parts.append(tiedHead ? "head tied to the token embedding" : "head of its own")
        let family = mlp == .gelu ? "GPT-2" : qkNorm ? "Qwen3" : qkvBias ? "Qwen2" : "Llama"
        return "\(family) (\(parts.joined(separator: ", ")))"
    }
}
