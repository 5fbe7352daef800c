import JSONRPC
import Protocol

extension Server {
    func didOpen(_ notification: DidOpenTextDocumentNotification) {
        let item = notification.textDocument
        documents[item.uri] = TextDocument(uri: item.uri, languageID: item.languageID, version: item.version,
                                           text: item.text)
    }

    /// Applies full and incremental changes in order. A change for a document that is not open is logged and ignored.
    func didChange(_ notification: DidChangeTextDocumentNotification) {
        let uri = notification.textDocument.uri
        guard var document = documents[uri] else {
            logger.warning("didChange for \(uri), which is not open; ignored")
            return
        }
        document.apply(notification.contentChanges, version: notification.version ?? document.version + 1,
                       encoding: encoding)
        documents[uri] = document
    }

    func didClose(_ notification: DidCloseTextDocumentNotification) {
        let uri = notification.textDocument.uri
        if documents.removeValue(forKey: uri) == nil {
            logger.warning("didClose for \(uri), which is not open; ignored")
        }
    }

    /// The open document a request names. Decoding has checked that it is open, on this same queue; the error is
    /// for a caller that did not decode first.
    func document(_ identifier: TextDocumentIdentifier, _ method: String) throws -> TextDocument {
        guard let document = documents[identifier.uri] else {
            throw ResponseError.documentNotOpen(uri: identifier.uri, method: method)
        }
        return document
    }
}
