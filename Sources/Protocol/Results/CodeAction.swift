import JSON

/// One entry of the `textDocument/codeAction` result: `{title, command}`.
public struct CodeAction: Equatable, Sendable, JSONEncodable {
    public var title: String
    public var command: Command

    public init(title: String, command: Command) {
        self.title = title
        self.command = command
    }

    /// The action that runs `command` on `target`: titled with the command's action title, the target as its one
    /// argument.
    public init(_ command: ServerCommand, on target: TaskTarget) {
        self.init(title: command.actionTitle,
                  command: Command(title: command.actionTitle, command: command.rawValue, arguments: [target.json]))
    }

    public var json: JSONValue {
        ["title": .string(title), "command": command.json]
    }
}
