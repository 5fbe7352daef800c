import JSONRPC
import Protocol

extension Server {
    /// Opens a document, or refuses it when it is above `limits` (see `DocumentLimitError`); reopening a document
    /// replaces it.
    func didOpen(_ notification: DidOpenTextDocumentNotification) {
        let item = notification.textDocument
        forget(item.uri)
        let size = item.text.utf8.count
        guard size <= limits.maximumDocumentBytes else {
            return refuse(.documentTooLarge(uri: item.uri, bytes: size, limit: limits.maximumDocumentBytes))
        }
        keep(TextDocument(uri: item.uri, languageID: item.languageID, version: item.version, text: item.text))
    }

    /// Applies full and incremental changes in order. A change for a document that is not open is logged and ignored.
    /// A change that makes the document too large refuses it; a whole text within the limits reopens a refused one.
    func didChange(_ notification: DidChangeTextDocumentNotification) {
        let uri = notification.textDocument.uri
        // Taken out of the dictionary while it changes, so its text is edited in place rather than copied.
        guard var document = documents.removeValue(forKey: uri) else {
            return reopenRefused(notification)
        }
        openDocumentBytes -= document.cost
        let lengthBefore = document.bytes.count
        let before = document.cost
        do {
            let edits = try document.apply(notification.contentChanges,
                                           version: notification.version ?? document.nextVersion,
                                           encoding: encoding, maximumBytes: limits.maximumDocumentBytes)
            completionCache.edited(uri: uri, edits, lengthBefore: lengthBefore)
        } catch {
            return refuse(error)
        }
        keep(document, growth: document.cost - before)
        let line = notification.contentChanges.last?.range?.start.line ?? 0
        workspace.edited(uri, line: line, documents: documents)
    }

    func didClose(_ notification: DidCloseTextDocumentNotification) {
        let uri = notification.textDocument.uri
        if !forget(uri) {
            logger.warning("didClose for \(uri), which is not open; ignored")
        }
    }

    /// The open document a request names. Decoding has checked that it is open (or refused), on this same queue; the
    /// "not open" error is for a caller that did not decode first.
    func document(_ identifier: TextDocumentIdentifier, _ method: String) throws -> TextDocument {
        guard let document = documents[identifier.uri] else {
            if let refusal = refusedDocuments[identifier.uri] { throw refusal.responseError(method) }
            throw ResponseError.documentNotOpen(uri: identifier.uri, method: method)
        }
        return document
    }

    /// Keeps `document` open if the session's documents stay within `limits.maximumOpenBytes` with it, and the
    /// process within its memory limit with the `growth` it brings (nil: it is new, its whole cost).
    private func keep(_ document: TextDocument, growth: Int? = nil) {
        let total = openDocumentBytes + document.cost
        guard total <= limits.maximumOpenBytes else {
            return refuse(.openDocumentsTooLarge(uri: document.uri, bytes: total, limit: limits.maximumOpenBytes))
        }
        // A new document is always checked, an edit only when it adds much: a keystroke must never cost the user
        // the document being typed in, and what typing adds is small beside the headroom.
        if let memoryLimit = settings.memoryLimit, growth.map({ $0 >= 64 << 10 }) ?? true {
            // Half the headroom stays free for a step's activations and the next message being decoded.
            let room = memoryLimit.bytes - memoryLimit.headroomBytes / 2
            let needed = ProcessMemory.residentBytes() + models.pool.promisedCacheBytes() + (growth ?? document.cost)
            guard needed <= room else {
                return refuse(.memoryLimit(uri: document.uri, bytes: needed, limit: room))
            }
        }
        documents[document.uri] = document
        openDocumentBytes = total
    }

    /// Drops a document's text and remembers why, for the requests that name it; tells the user once.
    private func refuse(_ refusal: DocumentLimitError) {
        forgetCompletions(refusal.uri)
        refusedDocuments[refusal.uri] = refusal
        logger.warning("\(refusal)")
        showMessage(.error, "gptls: \(refusal)")
    }

    /// A change for a refused document (the server ignores changes of documents never opened): it comes back from
    /// its last whole text, when that and the changes after it are within the limits; anything else is ignored.
    private func reopenRefused(_ notification: DidChangeTextDocumentNotification) {
        let uri = notification.textDocument.uri
        guard refusedDocuments[uri] != nil else { return }
        let changes = notification.contentChanges
        guard let whole = changes.lastIndex(where: { $0.range == nil }) else {
            logger.debug("didChange for \(uri), which was refused, has no whole text; ignored")
            return
        }
        let version = notification.version ?? 1
        let text = changes[whole].text
        guard text.utf8.count <= limits.maximumDocumentBytes else {
            return refuse(.documentTooLarge(uri: uri, bytes: text.utf8.count, limit: limits.maximumDocumentBytes))
        }
        // Its language id is not kept through a refusal: nothing reads it.
        var document = TextDocument(uri: uri, languageID: "", version: version, text: text)
        do {
            try document.apply(Array(changes[(whole + 1)...]), version: version, encoding: encoding,
                               maximumBytes: limits.maximumDocumentBytes)
        } catch {
            return refuse(error)
        }
        refusedDocuments[uri] = nil
        keep(document)
    }

    /// Closes `uri`, open or refused; false when it was neither.
    @discardableResult
    private func forget(_ uri: String) -> Bool {
        forgetCompletions(uri)
        workspace.closed(uri)
        let refused = refusedDocuments.removeValue(forKey: uri) != nil
        guard let document = documents.removeValue(forKey: uri) else { return refused }
        openDocumentBytes -= document.cost
        return true
    }
}
