import JSON

/// The capabilities gptls advertises: they follow from the messages this module defines, so only the negotiated
/// position encoding varies.
///
/// Documents sync incrementally (`change: 2`) with open/close and save without text; inline completion, completion
/// (no resolve, no trigger characters: editors ask as the user types), the `ServerCommand`s, and code actions of kind
/// `refactor.rewrite`.
public struct ServerCapabilities: Equatable, Sendable, JSONEncodable {
    public var positionEncoding: PositionEncoding

    public init(positionEncoding: PositionEncoding) {
        self.positionEncoding = positionEncoding
    }

    public var json: JSONValue {
        [
            "positionEncoding": .string(positionEncoding.rawValue),
            "textDocumentSync": ["openClose": true, "change": 2, "save": ["includeText": false]],
            "inlineCompletionProvider": true,
            "completionProvider": ["resolveProvider": false, "triggerCharacters": []],
            "executeCommandProvider": ["commands": .array(ServerCommand.allCases.map { .string($0.rawValue) })],
            "codeActionProvider": ["codeActionKinds": ["refactor.rewrite"]],
        ]
    }
}
