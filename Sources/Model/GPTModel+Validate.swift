extension GPTModel {
    /// Checks a batch before any memory is touched: rows within the context and the vocabulary, block tables long
    /// enough and within `cache`, which must have been made for this model's shape.
    func validate(_ rows: [GPTBatchRow], cache: KVBlockPool) throws {
        guard cache.layers == config.nLayer, cache.channels == config.kvChannels else {
            throw GPTError.invalidInput(reason: "the KV pool was made for \(cache.layers) layers of \(cache.channels) "
                + "channels, expected \(config.nLayer) of \(config.kvChannels)")
        }
        guard !rows.isEmpty else { throw GPTError.invalidInput(reason: "a forward pass needs at least one row") }
        for (r, row) in rows.enumerated() {
            guard !row.tokens.isEmpty else { throw GPTError.invalidInput(reason: "row \(r) has no tokens") }
            guard row.outputCount >= 0 else {
                throw GPTError.invalidInput(reason: "row \(r) asks for \(row.outputCount) outputs, expected 0 or more")
            }
            guard row.startPosition >= 0, row.startPosition + row.tokens.count <= config.nPositions else {
                throw GPTError.invalidInput(reason: "row \(r) spans positions \(row.startPosition)..<"
                    + "\(row.startPosition + row.tokens.count), expected within the context of \(config.nPositions)")
            }
            if let bad = row.tokens.first(where: { $0 < 0 || $0 >= config.vocabSize }) {
                throw GPTError.invalidInput(reason: "row \(r) has token \(bad), expected 0..<\(config.vocabSize)")
            }
            let needed = cache.blocksNeeded(forTokens: row.startPosition + row.tokens.count)
            guard row.blockTable.count >= needed else {
                throw GPTError.invalidInput(reason: "row \(r) has \(row.blockTable.count) KV blocks, expected at "
                    + "least \(needed) for \(row.startPosition + row.tokens.count) positions")
            }
            if let bad = row.blockTable.first(where: { $0 < 0 || $0 >= cache.capacity }) {
                throw GPTError.invalidInput(reason: "row \(r) names KV block \(bad), expected 0..<\(cache.capacity)")
            }
        }
    }
}
