import Model

/// Checkpoint names of one naming scheme, mapped to the model's weights in one place per scheme.
protocol TensorNames {
    var tokenEmbedding: String { get }
    /// The learned position table; nil where positions are rotary.
    var positionEmbedding: String? { get }
    var finalGain: String { get }
    /// The final norm's bias; nil for RMSNorm.
    var finalBias: String? { get }
    func head(classifier: Bool) -> String
    func layerMarker(_ l: Int) -> String
    func mlpMarker(_ l: Int) -> String
    func innerWidth(_ mlpShape: [Int]) -> Int
    func qkvBias(_ l: Int, part: Int) -> String
    func isBuffer(_ name: String) -> Bool
    func layer(_ l: Int, config: GPTConfig, storage: WeightStorage) throws -> DecoderLayer
}
