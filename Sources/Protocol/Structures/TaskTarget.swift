import JSON
import JSONRPC

/// What `gptls/summarize` and `gptls/classify` work on: `{text}`, or `{textDocument, range?}` (the whole document
/// without a range).
public enum TaskTarget: Equatable, Sendable, JSONEncodable {
    case text(String)
    case document(TextDocumentIdentifier, range: Range?)

    /// Decodes the target of `method`'s params: `text` wins when the member is present (then it must be a string);
    /// otherwise `textDocument`, then its `range`.
    init(params: JSONValue, method: String) throws(ResponseError) {
        if let text = params["text"] {
            guard let string = text.string else { throw ResponseError(.invalidParams, "\(method): text must be a string") }
            self = .text(string)
            return
        }
        let document = try TextDocumentIdentifier(in: params, prefix: method)
        var range: Range?
        if let raw = Params.present(params["range"]) {
            range = try Range(json: raw, path: "\(method): range")
        }
        self = .document(document, range: range)
    }

    /// The document a target in `params` names: none when `text` is present, as decoding reads it.
    static func requiredDocument(in params: JSONValue, method: String) -> RequiredDocument? {
        params["text"] == nil ? .named(in: params, method: method) : nil
    }

    /// The params form: `{text}` or `{textDocument: {uri}, range?}`.
    public var json: JSONValue {
        switch self {
        case .text(let text):
            return ["text": .string(text)]
        case .document(let document, let range):
            var object: JSONObject = ["textDocument": document.json]
            if let range { object["range"] = range.json }
            return .object(object)
        }
    }
}
