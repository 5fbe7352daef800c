import Dispatch
import Tasks

extension Server {
    /// A completion computed ahead of its use: the one that follows a shown suggestion once it is accepted.
    struct Prefetch {
        let ticket: CompletionCache.Ticket
        let handle: any Cancellable
    }

    /// The rest of a suggestion the user is typing, when the cache has one for the cursor at `offset` (nil text: the
    /// cache knows there is nothing to show there).
    func cachedCompletion(_ document: TextDocument, offset: Int, rules: CompletionRules)
        -> (text: String?, entry: CompletionCache.Entry)? {
        guard settings.completionCache,
              let hit = completionCache.lookup(uri: document.uri, bytes: document.bytes, cursor: offset) else { return nil }
        let text = hit.text.isEmpty ? nil : rules.finish(hit.text)
        guard text != nil || hit.text.isEmpty else { return nil }
        completionCache.hits += 1
        return (text, hit.entry)
    }

    /// Reserves the cache entry of a completion about to be asked of the model at `offset`; nil with the cache off.
    func reserveCompletion(_ document: TextDocument, offset: Int) -> CompletionCache.Ticket? {
        guard settings.completionCache else { return nil }
        return completionCache.reserve(uri: document.uri, documentLength: document.bytes.count, anchor: offset,
                                       cursor: offset)
    }

    /// Stores what the model answered for a reserved entry; then, if the request is still the document's latest,
    /// starts computing the completion that follows the suggestion's acceptance.
    func completionAnswered(_ ticket: CompletionCache.Ticket, suggestion: Result<String?, TaskError>,
                            uri: String, request: Int) {
        guard case .success(let text) = suggestion else { return completionCache.cancel(ticket) }
        guard let entry = completionCache.fill(ticket, suggestion: text) else { return }
        if latestCompletion[uri] == request { prefetch(after: entry) }
    }

    /// Computes, at the lowest priority, the completion for the text with all of `entry`'s suggestion typed, and
    /// stores it, so that accepting the suggestion and going on finds the next one ready. One per document: a newer
    /// prefetch and any completion that needs the model cancel it.
    ///
    /// Accepting the whole suggestion is the state to prepare: accepting only its first line is already answered
    /// by `entry` itself, since the lines after it are the rest of the same suggestion.
    func prefetch(after entry: CompletionCache.Entry) {
        guard settings.completionCache, let document = documents[entry.uri], let backend = try? models.backend(),
              !completionCache.contains(uri: entry.uri, anchor: entry.anchor, suffixLength: entry.suffixLength,
                                        typedAhead: entry.predicted) else { return }
        cancelPrefetch(entry.uri)
        let bytes = document.bytes
        let cursor = bytes.count - entry.suffixLength
        guard entry.anchor <= cursor else { return }
        let prefix = Array(bytes[..<entry.anchor]) + entry.predicted
        let lineStart = prefix.lastIndex(where: Self.isLineBreak).map { $0 + 1 } ?? 0
        let lineEnd = bytes[cursor...].firstIndex(where: Self.isLineBreak) ?? bytes.count
        let rules = CompletionRules(mode: settings.completionMode,
                                    linePrefix: String(decoding: prefix[lineStart...], as: UTF8.self),
                                    lineSuffix: String(decoding: bytes[cursor..<lineEnd], as: UTF8.self),
                                    nextLine: Server.nextLine(after: lineEnd, in: bytes))
        var task = completionTask(document, prefix: String(decoding: prefix, as: UTF8.self), cursor: cursor,
                                  line: document.position(of: cursor, encoding: encoding).line, rules: rules,
                                  deadline: nil)
        task.speculative = true
        // Its own supersede key: a prefetch must never end the completion a user waits for.
        task.documentKey = entry.uri + "\u{1}prefetch"
        let ticket = completionCache.reserve(uri: entry.uri, documentLength: bytes.count, anchor: entry.anchor,
                                             cursor: cursor, typedAhead: entry.predicted, ahead: true)
        let handle = backend.complete(task) { [weak self] outcome in
            guard let self else { return }
            let suggestion = outcome.map { rules.finish($0.text) }
            self.queue.async {
                if self.prefetches[entry.uri]?.ticket == ticket { self.prefetches[entry.uri] = nil }
                guard case .success(let text) = suggestion else { return self.completionCache.cancel(ticket) }
                self.completionCache.fill(ticket, suggestion: text)
            }
        }
        prefetches[entry.uri] = Prefetch(ticket: ticket, handle: handle)
    }

    /// Stops the document's prefetch, if one is running.
    func cancelPrefetch(_ uri: String) {
        guard let prefetch = prefetches.removeValue(forKey: uri) else { return }
        prefetch.handle.cancel()
        completionCache.cancel(prefetch.ticket)
    }

    /// Forgets every cached suggestion and stops every prefetch: the settings changed, so they may be stale.
    func resetCompletionCache() {
        for uri in Array(prefetches.keys) { cancelPrefetch(uri) }
        completionCache.removeAll()
    }

    /// Forgets the suggestions of a document that was closed, reopened or refused.
    func forgetCompletions(_ uri: String) {
        cancelPrefetch(uri)
        completionCache.forget(uri: uri)
        latestCompletion[uri] = nil
    }

    static func isLineBreak(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r")
    }
}
