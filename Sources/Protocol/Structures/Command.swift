import JSON

/// An LSP `Command`: `{title, command, arguments}`, which a client runs with `workspace/executeCommand`.
public struct Command: Equatable, Sendable, JSONEncodable {
    public var title: String
    public var command: String
    public var arguments: [JSONValue]

    public init(title: String, command: String, arguments: [JSONValue]) {
        self.title = title
        self.command = command
        self.arguments = arguments
    }

    public var json: JSONValue {
        ["title": .string(title), "command": .string(command), "arguments": .array(arguments)]
    }
}
