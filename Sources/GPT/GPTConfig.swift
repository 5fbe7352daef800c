import Foundation

/// The shape of a GPT-2-architecture model, as in a Hugging Face `config.json`.
public struct GPTConfig: Equatable, Sendable {
    public var nEmbd: Int
    public var nHead: Int
    public var nLayer: Int
    public var nPositions: Int
    public var vocabSize: Int
    public var layerNormEpsilon: Float
    /// Hidden width of the MLP; 4 * nEmbd when the config says null.
    public var nInner: Int
    /// Whether the query/key/value projection has a bias (always in Hugging Face GPT-2; optional in the book).
    public var qkvBias: Bool
    public var eosTokenId: Int?
    public var padTokenId: Int?

    public var headSize: Int { nEmbd / nHead }

    public init(nEmbd: Int = 768, nHead: Int = 12, nLayer: Int = 12, nPositions: Int = 1024, vocabSize: Int = 50257,
                layerNormEpsilon: Float = 1e-5, nInner: Int? = nil, qkvBias: Bool = true, eosTokenId: Int? = 50256,
                padTokenId: Int? = nil) {
        self.nEmbd = nEmbd; self.nHead = nHead; self.nLayer = nLayer; self.nPositions = nPositions
        self.vocabSize = vocabSize; self.layerNormEpsilon = layerNormEpsilon; self.nInner = nInner ?? 4 * nEmbd
        self.qkvBias = qkvBias; self.eosTokenId = eosTokenId; self.padTokenId = padTokenId
    }

    /// Reads a Hugging Face `config.json`; also returns its `id2label` (labels in id order) when present.
    public init(contentsOf url: URL) throws {
        let (config, _) = try GPTConfig.read(url)
        self = config
    }

    static func read(_ url: URL) throws -> (GPTConfig, [String]?) {
        let file = url.lastPathComponent
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw GPTError.fileNotFound(path: url.path)
        }
        guard let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw GPTError.invalidConfiguration(file: file, reason: "not a JSON object")
        }
        func int(_ key: String, _ fallback: Int? = nil) throws -> Int {
            if let v = json[key] as? Int { return v }
            if let fallback { return fallback }
            throw GPTError.invalidConfiguration(file: file, reason: "\(key) is missing, expected an integer")
        }
        if let act = json["activation_function"] as? String, act != "gelu_new" {
            throw GPTError.invalidConfiguration(file: file, reason: "activation_function is \(act), expected gelu_new")
        }
        let c = try int("n_embd"), h = try int("n_head")
        let config = GPTConfig(
            nEmbd: c, nHead: h, nLayer: try int("n_layer"), nPositions: try int("n_positions", json["n_ctx"] as? Int),
            vocabSize: try int("vocab_size"),
            layerNormEpsilon: Float((json["layer_norm_epsilon"] as? Double) ?? 1e-5),
            nInner: json["n_inner"] as? Int, qkvBias: (json["qkv_bias"] as? Bool) ?? true,
            eosTokenId: json["eos_token_id"] as? Int, padTokenId: json["pad_token_id"] as? Int)
        try config.validate(file: file)
        var labels: [String]?
        if let map = json["id2label"] as? [String: Any] {
            let pairs = map.compactMap { k, v in Int(k).map { ($0, "\(v)") } }.sorted { $0.0 < $1.0 }
            labels = pairs.map(\.1)
        }
        return (config, labels)
    }

    func validate(file: String) throws {
        for (name, v) in [("n_embd", nEmbd), ("n_head", nHead), ("n_layer", nLayer), ("n_positions", nPositions),
                          ("vocab_size", vocabSize), ("n_inner", nInner)] where v <= 0 {
            throw GPTError.invalidConfiguration(file: file, reason: "\(name) is \(v), expected a positive integer")
        }
        if nEmbd % nHead != 0 {
            throw GPTError.invalidConfiguration(
                file: file, reason: "n_embd \(nEmbd) is not divisible by n_head \(nHead)")
        }
    }
}
