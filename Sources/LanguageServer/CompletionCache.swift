/// Suggestions already made, found again while the user types what they predicted, so the rest is shown with no
/// model work.
///
/// An entry is anchored in its document: the text before `anchor` and the last `suffixLength` bytes (the text
/// after the cursor when it was made) must stay as they were, and the text between them is what the user typed
/// since. The entry holds what it predicts there: `predicted` = the text assumed typed already (`typedAhead` bytes:
/// empty for a suggestion made at the cursor, the accepted suggestion for one computed ahead of its acceptance),
/// then the suggestion itself. A request at the end of the typed text is answered from an entry when
///   1. the typed text is a prefix of `predicted` that covers `typedAhead` and leaves something to show, and
///   2. at most `walkBackLimit` characters were typed past the entry's own cursor (llama.vim walks back as far).
/// The suggestion of an entry whose predictions were all typed is not an answer: a fresh completion is needed there,
/// unless an entry computed ahead for that place has it (an empty one says the model has nothing to add there).
///
/// Entries follow the document's edits (`edited`): an edit before the anchor or in the text after the cursor drops
/// the entry, and so does typing more than it predicts; other edits only move the cursor. An entry is reserved when
/// its request starts (`reserve`) and filled when the model answers (`fill`), so edits made while the model works
/// are followed too. The cache holds at most `capacity` entries, the least recently used going first.
///
/// Not thread-safe: the server uses it on its queue. Every operation is O(entries), and `capacity` is small.
struct CompletionCache {
    /// Identifies a reserved entry until it is filled.
    struct Ticket: Hashable {
        fileprivate let id: Int
    }

    /// One suggestion, anchored in its document.
    struct Entry {
        let ticket: Ticket
        let uri: String
        /// Bytes of the document before it that must not change.
        var anchor: Int
        /// Bytes at the end of the document that must not change: those after the cursor when it was made.
        let suffixLength: Int
        /// What the user may type after `anchor`: `typedAhead` bytes assumed typed, then the suggestion.
        var predicted: [UInt8]
        let typedAhead: Int
        /// False until the model has answered.
        var filled = false
        /// Whether the suggestion was computed ahead of its use (a prefetch) rather than asked for.
        let ahead: Bool
        var lastUse: Int
    }

    /// What a request finds: the rest of a suggestion (empty: nothing to show) and the entry it comes from.
    struct Hit {
        let text: String
        let entry: Entry
    }

    static let walkBackLimit = 128

    let capacity: Int
    private(set) var entries: [Entry] = []
    private var clock = 0
    private var nextTicket = 0
    /// Requests answered from the cache, for `gptls/status`: counted by the caller, which may still find a hit's
    /// text unfit to show.
    var hits = 0

    init(capacity: Int = 64) {
        precondition(capacity > 0)
        self.capacity = capacity
    }

    var count: Int { entries.count }

    /// Reserves an entry for a suggestion about to be made in `uri`, whose length is `documentLength`: the text
    /// before `anchor` and after `cursor` stays fixed; `typedAhead` is what is assumed typed at `anchor` first (the
    /// document does not hold it yet).
    mutating func reserve(uri: String, documentLength: Int, anchor: Int, cursor: Int, typedAhead: [UInt8] = [],
                          ahead: Bool = false) -> Ticket {
        nextTicket += 1
        clock += 1
        let ticket = Ticket(id: nextTicket)
        if entries.count >= capacity, let oldest = entries.indices.min(by: { entries[$0].lastUse < entries[$1].lastUse }) {
            entries.remove(at: oldest)
        }
        entries.append(Entry(ticket: ticket, uri: uri, anchor: anchor, suffixLength: documentLength - cursor,
                             predicted: typedAhead, typedAhead: typedAhead.count, ahead: ahead, lastUse: clock))
        return ticket
    }

    /// Fills a reserved entry with its suggestion; returns the entry when it is kept. Nothing to show (nil or empty)
    /// keeps only an entry computed ahead, which then answers that there is nothing at its cursor; an entry dropped
    /// since does nothing.
    @discardableResult
    mutating func fill(_ ticket: Ticket, suggestion: String?) -> Entry? {
        guard let index = entries.firstIndex(where: { $0.ticket == ticket }) else { return nil }
        let text = suggestion ?? ""
        guard !text.isEmpty || entries[index].ahead else {
            entries.remove(at: index)
            return nil
        }
        entries[index].predicted += Array(text.utf8)
        entries[index].filled = true
        return entries[index]
    }

    /// Drops a reserved entry whose suggestion will not come.
    mutating func cancel(_ ticket: Ticket) {
        entries.removeAll { $0.ticket == ticket }
    }

    /// The rest of a suggestion for a request at `cursor` in `bytes`, the text of `uri`; the entry nearest the
    /// cursor wins.
    mutating func lookup(uri: String, bytes: [UInt8], cursor: Int) -> Hit? {
        var best: (index: Int, walked: Int)?
        for (index, entry) in entries.enumerated() where entry.uri == uri && entry.filled {
            guard cursor == bytes.count - entry.suffixLength, cursor >= entry.anchor else { continue }
            let typed = bytes[entry.anchor..<cursor]
            // Something left to show; or an entry computed ahead, at its own cursor, that knows there is nothing.
            let left = typed.count < entry.predicted.count || entry.ahead && typed.count == entry.typedAhead
            guard typed.count >= entry.typedAhead, left, entry.predicted.starts(with: typed) else { continue }
            let walked = Self.characters(in: entry.predicted[entry.typedAhead..<typed.count])
            guard walked <= Self.walkBackLimit, walked < best?.walked ?? .max else { continue }
            best = (index, walked)
        }
        guard let best else { return nil }
        clock += 1
        entries[best.index].lastUse = clock
        let entry = entries[best.index]
        let typed = cursor - entry.anchor
        return Hit(text: String(decoding: entry.predicted[typed...], as: UTF8.self), entry: entry)
    }

    /// Whether an entry (reserved or filled) of `uri` at `anchor` already assumes `typedAhead` typed there.
    func contains(uri: String, anchor: Int, suffixLength: Int, typedAhead: [UInt8]) -> Bool {
        entries.contains { entry in
            entry.uri == uri && entry.anchor == anchor && entry.suffixLength == suffixLength
                && entry.typedAhead == typedAhead.count && entry.predicted.starts(with: typedAhead)
        }
    }

    /// Follows the edits of one change of `uri`, applied in order to a text of `lengthBefore` bytes; drops the
    /// entries they make impossible.
    mutating func edited(uri: String, _ edits: [TextDocument.Edit], lengthBefore: Int) {
        var length = lengthBefore
        for edit in edits {
            let delta = edit.insertedCount - edit.range.count
            entries.removeAll { entry in
                guard entry.uri == uri else { return false }
                let cursor = length - entry.suffixLength
                guard edit.range.lowerBound >= entry.anchor, edit.range.upperBound <= cursor else { return true }
                // A filled entry cannot match once more is typed than it predicts.
                return entry.filled && cursor + delta - entry.anchor > entry.predicted.count
            }
            length += delta
        }
    }

    /// Drops every entry of `uri` (closed, reopened or refused).
    mutating func forget(uri: String) {
        entries.removeAll { $0.uri == uri }
    }

    mutating func removeAll() {
        entries.removeAll()
    }

    /// Unicode scalars in UTF-8 bytes: the bytes that do not continue a sequence.
    private static func characters(in bytes: ArraySlice<UInt8>) -> Int {
        bytes.reduce(0) { $0 + ($1 & 0xC0 == 0x80 ? 0 : 1) }
    }
}
