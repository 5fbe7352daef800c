import JSONRPC

/// What decoding needs to know about the session: which documents are open.
///
/// A request that names a document that is not open is refused at the point where the server looks the document
/// up, before the members that follow it are read, so a request with a closed document and a bad position gets the
/// "not open" error, and the error a client sees does not depend on how the message was decoded.
///
/// Threading: called synchronously during decoding; the server decodes on its queue, where documents change.
public struct DecodingContext {
    /// Whether the document with this URI is open.
    public var isOpen: (String) -> Bool

    public init(isOpen: @escaping (String) -> Bool) {
        self.isOpen = isOpen
    }

    /// A context in which exactly the given documents are open.
    public init(openDocuments: Set<String>) {
        self.init(isOpen: { openDocuments.contains($0) })
    }

    /// Throws the -32602 error of `method` when the document `uri` is not open.
    func requireOpen(_ uri: String, _ method: String) throws(ResponseError) {
        guard isOpen(uri) else { throw ResponseError.documentNotOpen(uri: uri, method: method) }
    }
}

extension ResponseError {
    /// -32602 for a request that names a document the client has not opened.
    public static func documentNotOpen(uri: String, method: String) -> ResponseError {
        ResponseError(.invalidParams,
                      "\(method): \(uri) is not open; send \(DidOpenTextDocumentNotification.method) first")
    }
}
