import Kernels

extension WeightStorage {
    /// The rows of `parts` stacked into one matrix of Q4_K panels, when the weights are held quantized (`int8`) and
    /// every part is a Q4_K tensor of its expected shape in the file; nil otherwise (the caller packs as usual, and
    /// reports a wrong shape).
    ///
    /// The panels are the file's blocks moved, not converted: each weight is the file's exactly, at 4.625 bits
    /// instead of the 8 (plus a rounding) of int8 panels. The file's pages are left for the caller to release.
    func q4KPanels(_ parts: [(name: String, shape: [Int])]) -> LinearWeight? {
        guard format == .int8, let k = parts.first?.shape.last, k % LinearWeight.q4KBlockInputs == 0 else {
            return nil
        }
        var sources: [BlockRows] = []
        for part in parts {
            guard part.shape.count == 2, part.shape[1] == k, let rows = source.q4KRows(part.name),
                  rows.rows == part.shape[0], rows.width == k else { return nil }
            sources.append(rows)
        }
        let m = sources.reduce(0) { $0 + $1.rows }
        let count = LinearWeight.q4KPanelCount(outFeatures: m, inFeatures: k)
        let panels = UnsafeMutablePointer<UInt8>.allocate(capacity: max(count, 1))
        panels.initialize(repeating: 0, count: max(count, 1))  // the padding columns must read as zero
        own(UnsafeMutableRawPointer(panels), bytes: count)
        var first = 0
        for rows in sources {
            for row in 0..<rows.rows {
                LinearWeight.packQ4KRow(rows.row(row), inFeatures: k, row: first + row, into: panels)
            }
            first += rows.rows
        }
        return LinearWeight(.q4KPanels(panels), outFeatures: m, inFeatures: k)
    }
}
