import Kernels

extension WeightStorage {
    /// The rows of `parts` stacked into one matrix of Q5_0 or Q4_0 panels, when the weights are held quantized
    /// (`int8`) and every part is a tensor of that one type with its expected shape in the file; nil otherwise (the
    /// caller packs as usual, and reports a wrong shape).
    ///
    /// The panels are the file's blocks moved, not converted: each weight is the file's exactly, at 5.5 (Q5_0) or
    /// 4.5 (Q4_0) bits instead of the 8 (plus a rounding) of int8 panels. The file's pages are left for the caller
    /// to release.
    func q5Panels(_ parts: [(name: String, shape: [Int])]) -> LinearWeight? {
        guard format == .int8, let k = parts.first?.shape.last, k > 0, k % LinearWeight.q5BlockInputs == 0 else {
            return nil
        }
        var sources: [BlockRows] = []
        var kinds: Set<Bool> = []
        for part in parts {
            guard part.shape.count == 2, part.shape[1] == k, let (rows, fifthBits) = source.q5Rows(part.name),
                  rows.rows == part.shape[0], rows.width == k else { return nil }
            sources.append(rows)
            kinds.insert(fifthBits)
        }
        guard kinds.count == 1, let fifthBits = kinds.first else { return nil }
        let m = sources.reduce(0) { $0 + $1.rows }
        let count = LinearWeight.q5PanelCount(outFeatures: m, inFeatures: k, fifthBits: fifthBits)
        let panels = UnsafeMutablePointer<UInt8>.allocate(capacity: max(count, 1))
        panels.initialize(repeating: 0, count: max(count, 1))  // the padding columns must read as zero
        own(UnsafeMutableRawPointer(panels), bytes: count)
        var first = 0
        for rows in sources {
            for row in 0..<rows.rows {
                LinearWeight.packQ5Row(rows.row(row), inFeatures: k, row: first + row, fifthBits: fifthBits,
                                       into: panels)
            }
            first += rows.rows
        }
        return LinearWeight(.q5Panels(.init(bytes: panels, fifthBits: fifthBits)), outFeatures: m, inFeatures: k)
    }
}
