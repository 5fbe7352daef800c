/// How the matrices of linear layers are held in memory: f32 (exact), bf16 (half the bytes) or int8 (a quarter, one
/// scale per output), see `WeightStorage`.
public enum WeightFormat: String, CaseIterable, Sendable {
    case f32
    case bf16
    case int8
}
