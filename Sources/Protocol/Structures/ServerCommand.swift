/// The commands of `workspace/executeCommand`, offered through code actions to clients without a gptls plugin.
///
/// Each runs the request of the same name with the command's first argument as its params.
public enum ServerCommand: String, Sendable, CaseIterable {
    case summarize = "gptls.summarize"
    case classify = "gptls.classify"

    /// The title of the code action that offers the command for a selection.
    public var actionTitle: String {
        switch self {
        case .summarize: return "Summarize selection"
        case .classify: return "Classify selection"
        }
    }
}
