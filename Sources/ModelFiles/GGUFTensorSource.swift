import Foundation
import Model

/// A GGUF model file as a `TensorSource` under Hugging Face names (`blk.0.attn_q.weight` ->
/// `model.layers.0.self_attn.q_proj.weight`), with its `GGUFModelConfig`: what the Llama-family loader reads.
///
/// Tensors are dequantized to fp32 when copied (F32 ones are used in place). llama.cpp's converter stores the Q and K
/// projections of `llama` files with each head's rows permuted for interleaved rotary pairs; they are permuted back,
/// so every tensor equals the Hugging Face model's (`qwen2` and `qwen3` files are stored unpermuted). Names without
/// a Hugging Face counterpart keep their GGUF name (`rope_freqs.weight`, Llama 3's rotary scaling factors).
/// Immutable: safe to read from any thread; the file stays mapped while this object lives.
public final class GGUFTensorSource: TensorSource, @unchecked Sendable {
    public let file: GGUFFile
    public let config: GGUFModelConfig
    /// Hugging Face name -> the file's tensor.
    let byName: [String: GGUFFile.TensorInfo]
    /// Hugging Face names in file order.
    public let tensorNames: [String]

    public var fileName: String { file.fileName }

    public convenience init(url: URL) throws {
        try self.init(file: GGUFFile(url: url))
    }

    /// Throws when the architecture is not supported or the configuration is incomplete.
    public init(file: GGUFFile) throws {
        config = try GGUFModelConfig(file: file)
        // The model's weights keep this source, and so the file, while it runs; its vocabulary is loaded apart.
        self.file = file.droppingArrayMetadata()
        file.releaseHeaderPages()
        var byName: [String: GGUFFile.TensorInfo] = [:]
        var names: [String] = []
        for info in file.tensors {
            let name = Self.huggingFaceName(info.name)
            guard byName[name] == nil else { throw GGUFError.duplicateTensor(file: file.fileName, tensor: name) }
            byName[name] = info
            names.append(name)
        }
        self.byName = byName
        tensorNames = names
    }

    /// The file's tensor under the Hugging Face `name`, or nil.
    public func info(_ name: String) -> GGUFFile.TensorInfo? { byName[name] }

    public func shape(of name: String) -> [Int]? { byName[name]?.shape }

    public func inPlaceFloats(_ name: String) -> UnsafePointer<Float>? {
        guard let info = byName[name], info.type == .f32, permutedHeads(name) == nil else { return nil }
        let bytes = file.bytes(of: info)
        guard let base = bytes.baseAddress, Int(bitPattern: base) % 4 == 0 else { return nil }
        return base.assumingMemoryBound(to: Float.self)
    }

    public func copyFloats(_ name: String, into buffer: UnsafeMutablePointer<Float>) throws {
        guard let info = byName[name] else { throw GGUFError.missingTensor(file: fileName, tensor: name) }
        try file.dequantize(info, into: buffer)
        if let heads = permutedHeads(name) { try unpermute(buffer, info: info, heads: heads, name: name) }
    }

    /// Rows of a 2-D tensor dequantized one at a time, for the types `copyFloats` reads; nil for a permuted
    /// projection (its rows move) or a row that does not hold whole blocks. Each row is read with pread, not from
    /// the mapping: token embedding lookups scattered over a 150k-row table would otherwise leave up to the whole
    /// table resident beside the head's packed copy (the kernel maps 64 KiB around each faulting row).
    public func rows(_ name: String) -> TensorRows? {
        guard let info = byName[name], info.shape.count == 2, permutedHeads(name) == nil,
              info.type.isReadable else { return nil }
        let (rows, width) = (info.shape[0], info.shape[1])
        let blockSize = info.type.blockSize
        guard width > 0, width % blockSize == 0 else { return nil }
        let blocksPerRow = width / blockSize
        return TensorRows(rows: rows, width: width) { [file] row, out in
            let first = row * blocksPerRow
            // The type was checked above, so dequantizing cannot fail here.
            try? file.dequantizeRead(info, blocks: first..<(first + blocksPerRow), into: out)
        }
    }

    /// The Q4_K blocks of a 2-D Q4_K tensor row by row (see `blockRows`).
    public func q4KRows(_ name: String) -> BlockRows? {
        guard let (rows, _) = blockRows(name, of: [.q4_K]) else { return nil }
        return rows
    }

    /// The Q6_K blocks of a 2-D Q6_K tensor row by row (see `blockRows`).
    public func q6KRows(_ name: String) -> BlockRows? {
        guard let (rows, _) = blockRows(name, of: [.q6_K]) else { return nil }
        return rows
    }

    /// The blocks of a 2-D Q5_0 or Q4_0 tensor row by row (see `blockRows`), and whether they are Q5_0.
    public func q5Rows(_ name: String) -> (rows: BlockRows, fifthBits: Bool)? {
        guard let (rows, type) = blockRows(name, of: [.q5_0, .q4_0]) else { return nil }
        return (rows, type == .q5_0)
    }

    /// The blocks of a 2-D tensor of one of `types` row by row, as the file stores them, and its type; nil for other
    /// types or rows that do not hold whole blocks. A `llama` file's permuted Q and K projections read each Hugging
    /// Face row from where the converter moved it.
    func blockRows(_ name: String, of types: Set<GGUFTensorType>) -> (rows: BlockRows, type: GGUFTensorType)? {
        guard let info = byName[name], types.contains(info.type), info.shape.count == 2 else { return nil }
        let (rows, width) = (info.shape[0], info.shape[1])
        guard width > 0, width % info.type.blockSize == 0, let base = file.bytes(of: info).baseAddress else {
            return nil
        }
        let rowBytes = width / info.type.blockSize * info.type.typeSize
        var stored: (Int) -> Int = { $0 }
        if let heads = permutedHeads(name) {
            guard heads > 0, rows % (2 * heads) == 0 else { return nil }
            let half = rows / heads / 2
            // Inverse of `unpermute`: Hugging Face row head·2·half + s·half + j is stored at head·2·half + 2j + s.
            stored = { row in
                let head = row / (2 * half), within = row % (2 * half)
                return head * 2 * half + 2 * (within % half) + within / half
            }
        }
        let inOrder = permutedHeads(name) == nil
        let blocks = BlockRows(rows: rows, width: width, row: { [file] row in
            _ = file  // the mapping must outlive the pointers handed out
            return base + stored(row) * rowBytes
        }, release: { [file] rows in
            if inOrder { file.releasePages(of: info, bytes: rows.lowerBound * rowBytes..<rows.upperBound * rowBytes) }
        })
        return (blocks, info.type)
    }

    public func releasePages(_ name: String) {
        if let info = byName[name] { file.releasePages(of: info) }
    }

    /// The head count a `llama` file's Q or K projection (weight or bias) is permuted over; nil for other tensors.
    func permutedHeads(_ name: String) -> Int? {
        guard config.architecture == "llama", name.hasPrefix("model.layers.") else { return nil }
        if name.hasSuffix(".self_attn.q_proj.weight") || name.hasSuffix(".self_attn.q_proj.bias") {
            return config.attentionHeads
        }
        if name.hasSuffix(".self_attn.k_proj.weight") || name.hasSuffix(".self_attn.k_proj.bias") {
            return config.keyValueHeads
        }
        return nil
    }

    /// Undoes convert_hf_to_gguf.py's `LlamaModel.permute`: within each head of D rows, the converter stored Hugging
    /// Face row s·D/2 + j (s < 2, j < D/2) at row 2j + s.
    private func unpermute(_ buffer: UnsafeMutablePointer<Float>, info: GGUFFile.TensorInfo, heads: Int,
                           name: String) throws {
        let shape = info.shape
        let rows = shape[0]
        let columns = shape.dropFirst().reduce(1, *)
        guard heads > 0, rows % (2 * heads) == 0 else {
            throw GGUFError.wrongShape(file: fileName, tensor: name, shape: shape,
                                       reason: "its rows do not split into \(heads) heads of rotary pairs")
        }
        let half = rows / heads / 2
        let stored = [Float](UnsafeBufferPointer(start: buffer, count: rows * columns))
        stored.withUnsafeBufferPointer { source in
            for head in 0..<heads {
                for s in 0..<2 {
                    for j in 0..<half {
                        let from = head * 2 * half + 2 * j + s
                        let to = head * 2 * half + s * half + j
                        (buffer + to * columns).update(from: source.baseAddress! + from * columns, count: columns)
                    }
                }
            }
        }
    }

    /// llama.cpp's tensor names -> Hugging Face's (Llama, Qwen2, Qwen3); other names are kept.
    public static func huggingFaceName(_ name: String) -> String {
        if let whole = topLevel[name] { return whole }
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "blk", let layer = Int(parts[1]),
              let module = layerModules[String(parts[2])] else { return name }
        return "model.layers.\(layer).\(module).\(parts[3])"
    }

    /// Hugging Face's names -> llama.cpp's: the inverse of `huggingFaceName`, for messages that name a tensor as
    /// the file does.
    public static func ggufName(_ name: String) -> String {
        if let whole = topLevel.first(where: { $0.value == name })?.key { return whole }
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count >= 5, parts[0] == "model", parts[1] == "layers", let layer = Int(parts[2]) else {
            return name
        }
        let module = parts[3..<(parts.count - 1)].joined(separator: ".")
        guard let short = layerModules.first(where: { $0.value == module })?.key else { return name }
        return "blk.\(layer).\(short).\(parts[parts.count - 1])"
    }

    /// `error` with its tensor named as the file names it (`blk.0.attn_v.weight`, not the Hugging Face name the
    /// loader asked for).
    func namingFileTensors(_ error: GPTError) -> GPTError {
        switch error {
        case let .missingTensor(file, tensor):
            return .missingTensor(file: file, tensor: Self.ggufName(tensor))
        case let .wrongShape(file, tensor, shape, expected):
            return .wrongShape(file: file, tensor: Self.ggufName(tensor), shape: shape, expected: expected)
        default:
            return error
        }
    }

    static let topLevel = [
        "token_embd.weight": "model.embed_tokens.weight", "output_norm.weight": "model.norm.weight",
        "output.weight": "lm_head.weight",
    ]

    static let layerModules = [
        "attn_q": "self_attn.q_proj", "attn_k": "self_attn.k_proj", "attn_v": "self_attn.v_proj",
        "attn_output": "self_attn.o_proj", "attn_q_norm": "self_attn.q_norm", "attn_k_norm": "self_attn.k_norm",
        "attn_norm": "input_layernorm", "ffn_norm": "post_attention_layernorm", "ffn_gate": "mlp.gate_proj",
        "ffn_up": "mlp.up_proj", "ffn_down": "mlp.down_proj",
    ]
}
