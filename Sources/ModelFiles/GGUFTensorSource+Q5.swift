import Model

extension GGUFTensorSource {
    /// The blocks of a 2-D Q5_0 or Q4_0 tensor row by row; a `llama` file's permuted Q and K projections read each
    /// Hugging Face row from where the converter moved it.
    public func q5Rows(_ name: String) -> (rows: BlockRows, fifthBits: Bool)? {
        guard let info = byName[name], info.type == .q5_0 || info.type == .q4_0, info.shape.count == 2 else {
            return nil
        }
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
        let blocks = BlockRows(rows: rows, width: width) { [file] row in
            _ = file  // the mapping must outlive the pointers handed out
            return base + stored(row) * rowBytes
        }
        return (blocks, info.type == .q5_0)
    }
}
