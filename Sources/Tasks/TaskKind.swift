/// The tasks gptls serves. Their names are the keys of a manifest's `tasks`, of the `models` setting and of
/// `--task`; everywhere else a task is this enum, never a string.
public enum TaskKind: String, CaseIterable, Hashable, Sendable {
    /// Inline completion: the text after the cursor.
    case completion
    case summarize
    case classify

    /// Every task's name, for messages: `completion, summarize or classify`.
    public static var names: String {
        let all = allCases.map(\.rawValue)
        return all.dropLast().joined(separator: ", ") + " or " + all.last!
    }
}
