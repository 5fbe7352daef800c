/// What can go wrong building or running a model: weights that do not fit its configuration, a configuration that
/// makes no model, or a forward pass asked for something impossible. Each message names the file or tensor and the
/// expectation. (What can go wrong reading a file is `ModelFileError` and `CheckpointError`, in ModelFiles.)
public enum GPTError: Error, CustomStringConvertible, Equatable {
    case missingTensor(file: String, tensor: String)
    case wrongShape(file: String, tensor: String, shape: [Int], expected: [Int])
    case invalidConfiguration(file: String, reason: String)
    case invalidInput(reason: String)

    public var description: String {
        switch self {
        case .missingTensor(let file, let tensor):
            return "\(file): tensor \(tensor) is missing"
        case .wrongShape(let file, let tensor, let shape, let expected):
            return "\(file): tensor \(tensor) has shape \(shape), expected \(expected)"
        case .invalidConfiguration(let file, let reason):
            return "\(file): inconsistent configuration: \(reason)"
        case .invalidInput(let reason):
            return "invalid input: \(reason)"
        }
    }
}
