import JSON
import JSONRPC

extension Server {
    func didOpen(_ params: JSONValue?) throws {
        let params = try LSPParams.object(params, "textDocument/didOpen")
        let item = params["textDocument"]
        let uri = try LSPParams.string(item?["uri"], "didOpen: textDocument.uri")
        documents[uri] = TextDocument(
            uri: uri,
            languageID: item?["languageId"]?.string ?? "plaintext",
            version: item?["version"]?.int ?? 0,
            text: try LSPParams.string(item?["text"], "didOpen: textDocument.text"))
    }

    /// Applies full and incremental changes in order. A change for a document that is not open is logged and ignored.
    func didChange(_ params: JSONValue?) throws {
        let params = try LSPParams.object(params, "textDocument/didChange")
        let uri = try LSPParams.uri(params, "didChange")
        guard var document = documents[uri] else {
            logger.warning("didChange for \(uri), which is not open; ignored")
            return
        }
        guard let rawChanges = params["contentChanges"]?.array else {
            throw ResponseError(.invalidParams, "didChange: contentChanges must be an array")
        }
        let changes = try rawChanges.enumerated().map { index, change in
            TextChange(range: try change["range"].map { try LSPParams.range($0, "didChange: contentChanges[\(index)].range") },
                       text: try LSPParams.string(change["text"], "didChange: contentChanges[\(index)].text"))
        }
        let version = params["textDocument"]?["version"]?.int ?? document.version + 1
        document.apply(changes, version: version, encoding: encoding)
        documents[uri] = document
    }

    func didClose(_ params: JSONValue?) throws {
        let params = try LSPParams.object(params, "textDocument/didClose")
        let uri = try LSPParams.uri(params, "didClose")
        if documents.removeValue(forKey: uri) == nil {
            logger.warning("didClose for \(uri), which is not open; ignored")
        }
    }

    /// The open document a request names, or -32602.
    func document(_ params: JSONValue, _ method: String) throws -> TextDocument {
        let uri = try LSPParams.uri(params, method)
        guard let document = documents[uri] else {
            throw ResponseError(.invalidParams, "\(method): \(uri) is not open; send textDocument/didOpen first")
        }
        return document
    }
}
