/// Nearest-rank percentiles of a list of numbers (nil when empty).
struct Percentiles {
    private let sorted: [Double]

    init(_ values: [Double]) { sorted = values.sorted() }

    var count: Int { sorted.count }

    /// The value at fraction `p` (0...1) by the nearest-rank rule.
    func at(_ p: Double) -> Double? {
        guard !sorted.isEmpty else { return nil }
        let rank = Int((p * Double(sorted.count)).rounded(.up))
        return sorted[min(sorted.count - 1, max(0, rank - 1))]
    }

    var p50: Double? { at(0.5) }
    var p95: Double? { at(0.95) }

    var mean: Double? { sorted.isEmpty ? nil : sorted.reduce(0, +) / Double(sorted.count) }
}
