import JSON
import JSONRPC

/// `{uri}`: the document a message is about.
public struct TextDocumentIdentifier: Equatable, Sendable, JSONEncodable {
    public var uri: String

    public init(uri: String) {
        self.uri = uri
    }

    /// Decodes `params.textDocument`; `prefix` starts the error message (`"didClose"` gives
    /// "didClose: textDocument.uri must be a string, not missing").
    init(in params: JSONValue, prefix: String) throws(ResponseError) {
        self.init(uri: try Params.string(params["textDocument"]?["uri"], "\(prefix): textDocument.uri"))
    }

    public var json: JSONValue {
        ["uri": .string(uri)]
    }
}
