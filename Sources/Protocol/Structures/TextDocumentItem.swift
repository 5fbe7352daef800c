import JSON
import JSONRPC

/// `{uri, languageId, version, text}`: a document as `textDocument/didOpen` transfers it.
public struct TextDocumentItem: Equatable, Sendable {
    public var uri: String
    /// `languageId`; "plaintext" when the client leaves it out.
    public var languageID: String
    /// 0 when the client leaves it out.
    public var version: Int
    public var text: String

    public init(uri: String, languageID: String, version: Int, text: String) {
        self.uri = uri
        self.languageID = languageID
        self.version = version
        self.text = text
    }

    /// Decodes `params.textDocument`: `uri` and `text` are required, in that order; a missing or ill-typed
    /// `languageId` or `version` takes its default, as editors differ in what they send.
    init(json: JSONValue?) throws(ResponseError) {
        let uri = try Params.string(json?["uri"], "didOpen: textDocument.uri")
        self.init(uri: uri,
                  languageID: json?["languageId"]?.string ?? "plaintext",
                  version: json?["version"]?.int ?? 0,
                  text: try Params.string(json?["text"], "didOpen: textDocument.text"))
    }
}
