import Kernels

/// The working memory of one `GPTModel.forward` call and the layout of its batch; the blocks (`norm`, `attention`,
/// `mlp`) are its methods.
///
/// Each block reads and writes [N, ...] activation buffers by pointer, in the llm.c style, where N counts the new
/// tokens of all rows packed one after the other; no block allocates. Made at the start of a call and freed at its end.
/// Threading rule: used by the thread that runs the forward pass; each kernel splits its work over `threads` threads.
struct ForwardPass {
    let config: GPTConfig
    /// N: the new tokens of all rows.
    let tokens: Int
    /// Threads per kernel, read once per call.
    let threads: Int
    /// Each row as attention sees it: its first token in the activations, token count, start position, block table.
    let rows: [AttentionRow]

    let residual: UnsafeMutablePointer<Float>  // [N, C] the residual stream x
    let normed: UnsafeMutablePointer<Float>    // [N, C]
    let qkv: UnsafeMutablePointer<Float>       // [N, Q + 2K] (3C for GPT-2; see `AttentionWeights`)
    let attended: UnsafeMutablePointer<Float>  // [N, Q]
    let hidden: UnsafeMutablePointer<Float>    // [N, F]
    /// SwiGLU's gate and up projections, [N, 2F]; nil for other MLPs.
    let gateUp: UnsafeMutablePointer<Float>?
    /// Rotary positions' D/2 inverse frequencies; empty for learned positions.
    let inverseFrequencies: [Float]
    /// The rows' block tables as Int32, one after the other.
    private let blockTables: UnsafeMutablePointer<Int32>

    init(config: GPTConfig, rows batch: [GPTBatchRow]) {
        let n = batch.reduce(0) { $0 + $1.tokens.count }, c = config.nEmbd
        self.config = config
        tokens = n
        threads = KernelThreads.count
        residual = .allocate(capacity: n * c)
        normed = .allocate(capacity: n * c)
        qkv = .allocate(capacity: n * (config.queryChannels + 2 * config.kvChannels))
        attended = .allocate(capacity: n * config.queryChannels)
        hidden = .allocate(capacity: n * config.nInner)
        gateUp = config.architecture.mlp == .swiGLU ? .allocate(capacity: n * 2 * config.nInner) : nil
        switch config.architecture.positions {
        case .learned:
            inverseFrequencies = []
        case .rotary(let theta, nil):
            inverseFrequencies = Rotary.inverseFrequencies(headSize: config.headSize, theta: theta)
        case let .rotary(theta, .llama3(factor, low, high, original)?):
            inverseFrequencies = Rotary.inverseFrequencies(
                headSize: config.headSize, theta: theta, factor: factor, lowFrequencyFactor: low,
                highFrequencyFactor: high, originalContext: original)
        case let .rotary(theta, .frequencyFactors(factors)?):
            inverseFrequencies = Rotary.inverseFrequencies(headSize: config.headSize, theta: theta, dividedBy: factors)
        }
        blockTables = .allocate(capacity: max(1, batch.reduce(0) { $0 + $1.blockTable.count }))
        var rows: [AttentionRow] = []
        rows.reserveCapacity(batch.count)
        var firstToken = 0, table = blockTables
        for row in batch {
            for (i, block) in row.blockTable.enumerated() { table[i] = Int32(block) }
            rows.append(AttentionRow(firstToken: firstToken, tokens: row.tokens.count, start: row.startPosition,
                                     blockTable: UnsafePointer(table)))
            firstToken += row.tokens.count
            table += row.blockTable.count
        }
        self.rows = rows
    }

    func deallocate() {
        [residual, normed, qkv, attended, hidden].forEach { $0.deallocate() }
        gateUp?.deallocate()
        blockTables.deallocate()
    }
}
