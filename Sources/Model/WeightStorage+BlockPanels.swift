import Kernels

extension WeightStorage {
    /// Whether 4-, 5- and 6-bit GGUF blocks are kept as they are: under int8 and under bf16, the formats that round
    /// weights anyway. Widened to 16 bits they would take 3.5x the memory and traffic for weights no more exact than
    /// the file's; only f32 (exact computation, activations never rounded) widens them.
    var keepsFileBlocks: Bool { format != .f32 }

    /// Which Q6_K matrices keep their blocks (Q6_K panels, 6.56 bits a weight) rather than becoming int8 panels (8
    /// bits and a scale a row).
    public enum Q6KBlocks: String, CaseIterable, Sendable {
        /// Every Q6_K matrix as int8 panels.
        case none
        /// The output head's blocks kept, the layers' as int8 panels.
        case head
        /// Every Q6_K matrix's blocks kept.
        case all
    }

    /// The Q6_K matrices that keep their blocks; `gptls-tools bench --q6k-panels` measures the choices. All by
    /// default: a Q4_K_M file of 1B weights and more is then held in about its own size (Llama-3.2-1B: 798 against 869
    /// MiB after load, `bench`), for 3% of decode at batch 8 and 6-8% of prefill on AVX-512 (batch 1 within 1%; on
    /// AVX2 batch 1 3-6% faster, batch 8 3% and prefill 2% slower): the Q6_K kernel rebuilds each 6-bit value and
    /// scales every 16 inputs (journal, 2026-12-07 evening). Set before loading; not for changing while models load.
    nonisolated(unsafe) public static var keptQ6KBlocks = Q6KBlocks.all

    /// Whether a Q6_K matrix keeps its blocks under `keptQ6KBlocks`; `isHead` for the output head.
    static func keepsQ6KBlocks(isHead: Bool) -> Bool {
        switch keptQ6KBlocks {
        case .none: false
        case .head: isHead
        case .all: true
        }
    }

    /// The rows of `parts` stacked into one matrix of Q4_K panels, when the weights are not held exactly
    /// (`keepsFileBlocks`) and every part is a Q4_K tensor of its expected shape in the file; nil otherwise (the
    /// caller packs as usual, and reports a wrong shape).
    ///
    /// The panels are the file's blocks moved, not converted: each weight is the file's exactly, at 4.625 bits
    /// instead of the 8 (plus a rounding) of int8 panels. The file's pages are left for the caller to release.
    func q4KPanels(_ parts: [(name: String, shape: [Int])]) -> LinearWeight? {
        guard keepsFileBlocks, let k = parts.first?.shape.last, k > 0, k % LinearWeight.q4KBlockInputs == 0,
              let sources = blockRows(parts, width: k, read: { source.q4KRows($0) }) else { return nil }
        let m = sources.reduce(0) { $0 + $1.rows }
        let panels = zeroedPanels(LinearWeight.q4KPanelCount(outFeatures: m, inFeatures: k))
        forEachRow(of: sources) { blocks, row in
            LinearWeight.packQ4KRow(blocks, inFeatures: k, row: row, into: panels)
        }
        return LinearWeight(.q4KPanels(panels), outFeatures: m, inFeatures: k)
    }

    /// The rows of `parts` stacked into one matrix of Q6_K panels, when the weights are not held exactly
    /// (`keepsFileBlocks`), Q6_K blocks are kept for it (`keptQ6KBlocks`; `isHead` for the output head) and every
    /// part is a Q6_K tensor of its expected shape in the file; nil otherwise.
    ///
    /// As for Q4_K, the file's blocks moved, not converted: 6.5625 bits a weight, exactly the file's.
    func q6KPanels(_ parts: [(name: String, shape: [Int])], isHead: Bool) -> LinearWeight? {
        guard keepsFileBlocks, Self.keepsQ6KBlocks(isHead: isHead), let k = parts.first?.shape.last, k > 0,
              k % LinearWeight.q4KBlockInputs == 0,
              let sources = blockRows(parts, width: k, read: { source.q6KRows($0) }) else { return nil }
        let m = sources.reduce(0) { $0 + $1.rows }
        let panels = zeroedPanels(LinearWeight.q6KPanelCount(outFeatures: m, inFeatures: k))
        forEachRow(of: sources) { blocks, row in
            LinearWeight.packQ6KRow(blocks, inFeatures: k, row: row, into: panels)
        }
        return LinearWeight(.q6KPanels(panels), outFeatures: m, inFeatures: k)
    }

    /// The rows of `parts` in one matrix of block panels (Q4_K, Q6_K, Q5_0 or Q4_0), when all parts are of one of
    /// those types; nil otherwise. `isHead` for the output head.
    func blockPanels(_ parts: [(name: String, shape: [Int])], isHead: Bool = false) -> LinearWeight? {
        q4KPanels(parts) ?? q6KPanels(parts, isHead: isHead) ?? q5Panels(parts)
    }

    /// The GGUF block type a part's panels would keep (`Q4_K`, `Q6_K`, `Q5_0`, `Q4_0`) when the weights are not held
    /// exactly (`keepsFileBlocks`); nil for a part that would be widened, or when they are held exactly.
    func blockType(_ part: (name: String, shape: [Int])) -> String? {
        guard keepsFileBlocks else { return nil }
        if source.q4KRows(part.name) != nil { return "Q4_K" }
        if Self.keepsQ6KBlocks(isHead: false), source.q6KRows(part.name) != nil { return "Q6_K" }
        if let (_, fifthBits) = source.q5Rows(part.name) { return fifthBits ? "Q5_0" : "Q4_0" }
        return nil
    }

    /// The rows of `parts` stacked part by part, when their types differ and at least one keeps its blocks: each run
    /// of consecutive parts of one type becomes one matrix (block panels, or the format's panels for the rest), so
    /// Q4_K Q and K stay 4-bit beside a V that is not. nil where one matrix of one type holds them all.
    func partByPart(_ parts: [(name: String, shape: [Int])]) throws -> LinearWeight? {
        let types = parts.map(blockType)
        guard parts.count > 1, types.contains(where: { $0 != nil }), Set(types).count > 1 else { return nil }
        var runs: [[(name: String, shape: [Int])]] = []
        for (i, part) in parts.enumerated() {
            if i > 0, types[i] == types[i - 1] { runs[runs.count - 1].append(part) } else { runs.append([part]) }
        }
        return LinearWeight(stacking: try runs.map { try concatenatedMatrix($0) })
    }

    /// The rows of `parts` stacked into one matrix of Q5_0 or Q4_0 panels, when the weights are not held exactly
    /// (`keepsFileBlocks`) and every part is a tensor of that one type with its expected shape in the file; nil
    /// otherwise.
    ///
    /// As for Q4_K, the file's blocks moved, not converted: 5.5 (Q5_0) or 4.5 (Q4_0) bits a weight, exactly the file's.
    func q5Panels(_ parts: [(name: String, shape: [Int])]) -> LinearWeight? {
        guard keepsFileBlocks, let k = parts.first?.shape.last, k > 0, k % LinearWeight.q5BlockInputs == 0 else {
            return nil
        }
        var kinds: Set<Bool> = []
        let sources = blockRows(parts, width: k) { name -> BlockRows? in
            guard let (rows, fifthBits) = source.q5Rows(name) else { return nil }
            kinds.insert(fifthBits)
            return rows
        }
        guard let sources, kinds.count == 1, let fifthBits = kinds.first else { return nil }
        let m = sources.reduce(0) { $0 + $1.rows }
        let panels = zeroedPanels(LinearWeight.q5PanelCount(outFeatures: m, inFeatures: k, fifthBits: fifthBits))
        forEachRow(of: sources) { blocks, row in
            LinearWeight.packQ5Row(blocks, inFeatures: k, row: row, fifthBits: fifthBits, into: panels)
        }
        return LinearWeight(.q5Panels(.init(bytes: panels, fifthBits: fifthBits)), outFeatures: m, inFeatures: k)
    }

    /// Each part's block rows as `read` gives them, when every part is 2-D with `width` inputs and the rows its shape
    /// says; nil otherwise.
    private func blockRows(_ parts: [(name: String, shape: [Int])], width: Int,
                           read: (String) -> BlockRows?) -> [BlockRows]? {
        var sources: [BlockRows] = []
        for part in parts {
            guard part.shape.count == 2, part.shape[1] == width, let rows = read(part.name),
                  rows.rows == part.shape[0], rows.width == width else { return nil }
            sources.append(rows)
        }
        return sources
    }

    /// `bytes` of panels this storage owns, zeroed: the padding columns must read as zero.
    private func zeroedPanels(_ bytes: Int) -> UnsafeMutablePointer<UInt8> {
        let panels = UnsafeMutablePointer<UInt8>.allocate(capacity: max(bytes, 1))
        panels.initialize(repeating: 0, count: max(bytes, 1))
        own(UnsafeMutableRawPointer(panels), bytes: bytes)
        return panels
    }

    /// Calls `pack` with the blocks of every row of the stacked `sources` and that row's index in the stack, and
    /// releases the source's pages of each 1,024 rows once packed: the 1B's tied head, packed whole, held its 215 MB
    /// of file pages beside its panels and raised the load's peak by about 110 MiB.
    private func forEachRow(of sources: [BlockRows], _ pack: (UnsafeRawPointer, Int) -> Void) {
        var first = 0
        for rows in sources {
            for start in stride(from: 0, to: rows.rows, by: 1024) {
                let end = min(rows.rows, start + 1024)
                for row in start..<end { pack(rows.row(row), first + row) }
                rows.release(start..<end)
            }
            first += rows.rows
        }
    }
}
