/// Why the server binary could not be found.
public enum ServerExecutableError: Error, Equatable, CustomStringConvertible {
    /// The path, and whether it was given (else it is the one beside this process's executable).
    case notExecutable(String, given: Bool)

    public var description: String {
        switch self {
        case .notExecutable(let path, given: true):
            return "\(path) is not an executable gptls; pass the path of a built gptls with --server"
        case .notExecutable(let path, given: false):
            return "there is no gptls beside this executable (looked for \(path)); build it with `swift build`, "
                + "or pass its path with --server"
        }
    }
}
