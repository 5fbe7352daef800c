import Protocol
import Tasks

/// What a completion may show the model besides its own document: chunks of the session's other open documents
/// and of the places the user recently edited, chosen by similarity to the lines around the cursor.
///
/// Only what the editor sent is read: open documents and their edits. A closed document's chunks are dropped.
/// One per session: two editors' documents never reach each other's prompts.
///
/// Recent edits form a ring of `ringCapacity` chunks of `chunkLines` lines (as llama.vim keeps one): when the user
/// starts editing elsewhere, the chunk around the place left behind is kept, replacing a kept chunk more than 0.9
/// similar or else the oldest. Similarity is the Jaccard index of the chunks' sets of words.
///
/// The choice is remembered while the cursor stays in the same band of lines of the same document and nothing
/// else changed, so consecutive keystrokes send the same block and reuse its KV cache; chunks go out in a fixed
/// order (recent edits oldest first, then documents by URI and line), not by score, so a changed choice keeps the
/// block's beginning where it can. Each carries its rank by score, so a prompt with less room than the budget keeps
/// the most similar.
///
/// Threading: touched on the server's queue only.
struct WorkspaceContext {
    /// Small enough that a small model's room holds a few (the bundled model gives the block about 230 tokens) and a
    /// chunk is about one thing; measured on the completion evaluation's held-out code, 16-line chunks put the line
    /// being written in the block more often than 64-line ones (37 against 26 of 200 positions).
    static let chunkLines = 16
    static let ringCapacity = 16
    /// Chunks this similar to a new one are the same place seen again: the new one replaces them.
    static let duplicateSimilarity = 0.9
    /// Lines before and after the cursor that describe what the user is writing.
    static let cursorLinesBefore = 8, cursorLinesAfter = 4
    /// Lines before and after the cursor that the prompt's own windows hold anyway: chunks of the same document
    /// that overlap them are not sent twice.
    static let windowLinesBefore = 256, windowLinesAfter = 64
    /// The cursor moves through bands of this many lines before the choice is made again.
    static let bandLines = 16
    /// Characters chosen per token of the budget: code runs 3 to 4 characters a token, and the prompt, counting
    /// exactly, leaves out a chunk that does not fit rather than the choice running short.
    static let charactersPerToken = 3

    /// A piece of a document, as chosen.
    struct Chunk: Equatable {
        var uri: String
        var lines: Swift.Range<Int>
        var text: String
        var words: Set<Int>
    }

    /// Recent edits, oldest first.
    private(set) var edits: [Chunk] = []
    /// Where the user last edited; a later edit elsewhere keeps the chunk around it.
    private var lastEdit: (uri: String, line: Int)?
    /// Each open document's chunks, made again when its version changes.
    private var split: [String: (version: Int, chunks: [Chunk])] = [:]
    /// Counts changes to the ring, so a remembered choice knows it is stale.
    private var generation = 0
    private var remembered: (key: ChoiceKey, chunks: [ContextChunk])?

    private struct ChoiceKey: Equatable {
        var uri: String
        var band: Int
        var generation: Int
        var others: [String: Int]
        var budget: Int
    }

    // MARK: Feeding

    /// A change at `line` of `uri`; `documents` are the session's open documents after it.
    mutating func edited(_ uri: String, line: Int, documents: [String: TextDocument]) {
        defer { lastEdit = (uri, line) }
        guard let last = lastEdit, last.uri != uri || abs(last.line - line) > Self.chunkLines / 2,
              let document = documents[last.uri] else { return }
        // The place left may lie past the document's end now: text after it was deleted since.
        let start = max(0, last.line - Self.chunkLines / 2), end = min(document.lineCount, start + Self.chunkLines)
        guard start < end else { return }
        let chunk = Self.chunk(of: document, lines: start..<end)
        guard !chunk.words.isEmpty else { return }
        edits.removeAll { Self.similarity($0.words, chunk.words) > Self.duplicateSimilarity }
        edits.append(chunk)
        if edits.count > Self.ringCapacity { edits.removeFirst(edits.count - Self.ringCapacity) }
        generation += 1
    }

    /// Forgets everything read from `uri`: the client closed it.
    mutating func closed(_ uri: String) {
        split[uri] = nil
        if lastEdit?.uri == uri { lastEdit = nil }
        let before = edits.count
        edits.removeAll { $0.uri == uri }
        if edits.count != before { generation += 1 }
    }

    // MARK: Choosing

    /// The chunks for a completion at `line` of `document`, at most `characters` long in all, most similar first
    /// chosen, sent in the stable order; chunks with nothing in common with the cursor's lines are left out.
    mutating func chunks(for document: TextDocument, line: Int, documents: [String: TextDocument],
                         characters: Int) -> [ContextChunk] {
        guard characters > 0 else { return [] }
        let others = documents.filter { $0.key != document.uri }.mapValues(\.version)
        let key = ChoiceKey(uri: document.uri, band: line / Self.bandLines, generation: generation, others: others,
                            budget: characters)
        if let remembered, remembered.key == key { return remembered.chunks }
        let start = max(0, line - Self.cursorLinesBefore)
        let around = Self.words(Self.text(of: document, lines: start..<min(document.lineCount,
                                                                            line + Self.cursorLinesAfter + 1)))
        let window = max(0, line - Self.windowLinesBefore)..<(line + Self.windowLinesAfter + 1)
        var candidates = edits.filter { $0.uri != document.uri || !$0.lines.overlaps(window) }
        for uri in others.keys.sorted() { candidates += chunks(of: documents[uri]!) }
        let scored = candidates.map { (chunk: $0, score: Self.similarity($0.words, around)) }
            .filter { $0.score > 0 }
            .sorted { $0.score > $1.score }
        var chosen: [Chunk] = []
        var used = 0
        for (chunk, _) in scored where used + chunk.text.utf8.count <= characters {
            guard !chosen.contains(where: { Self.similarity($0.words, chunk.words) > Self.duplicateSimilarity })
            else { continue }
            chosen.append(chunk)
            used += chunk.text.utf8.count
        }
        let order = edits.count
        func place(_ chunk: Chunk) -> (Int, String, Int) {
            (edits.firstIndex(of: chunk) ?? order, chunk.uri, chunk.lines.lowerBound)
        }
        let result = chosen.enumerated().sorted { place($0.element) < place($1.element) }.map { rank, chunk in
            ContextChunk(name: ContextChunk.name(ofURI: chunk.uri), text: chunk.text, rank: rank)
        }
        remembered = (key, result)
        return result
    }

    /// `document` in chunks of `chunkLines` lines, kept until its version changes.
    private mutating func chunks(of document: TextDocument) -> [Chunk] {
        if let kept = split[document.uri], kept.version == document.version { return kept.chunks }
        let chunks = stride(from: 0, to: document.lineCount, by: Self.chunkLines).map { start in
            Self.chunk(of: document, lines: start..<min(document.lineCount, start + Self.chunkLines))
        }.filter { !$0.words.isEmpty }
        split[document.uri] = (document.version, chunks)
        return chunks
    }

    // MARK: Text and similarity

    static func chunk(of document: TextDocument, lines: Swift.Range<Int>) -> Chunk {
        let text = text(of: document, lines: lines)
        return Chunk(uri: document.uri, lines: lines, text: text, words: words(text))
    }

    /// The offset where `line` starts, or the end of the text past the last line.
    static func offset(ofLine line: Int, in document: TextDocument) -> Int {
        line < document.lineCount
            ? document.offset(of: Position(line: line, character: 0), encoding: .utf8) : document.bytes.count
    }

    /// The text of whole lines of `document`, line breaks included.
    static func text(of document: TextDocument, lines: Swift.Range<Int>) -> String {
        guard !lines.isEmpty else { return "" }
        let start = offset(ofLine: lines.lowerBound, in: document)
        let end = offset(ofLine: lines.upperBound, in: document)
        return String(decoding: document.bytes[start..<max(start, end)], as: UTF8.self)
    }

    /// The words of a text (runs of letters, digits and `_`), hashed: what two pieces of code share when they are
    /// about the same thing, whatever their layout.
    static func words(_ text: String) -> Set<Int> {
        var words = Set<Int>()
        var current: [UInt8] = []
        for byte in text.utf8 {
            if byte == UInt8(ascii: "_") || byte >= 0x80 || (byte >= 0x30 && byte <= 0x39)
                || ((byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7a) {
                current.append(byte)
            } else if !current.isEmpty {
                words.insert(current.hashValue)
                current.removeAll(keepingCapacity: true)
            }
        }
        if !current.isEmpty { words.insert(current.hashValue) }
        return words
    }

    /// The Jaccard index: shared words over all words.
    static func similarity(_ a: Set<Int>, _ b: Set<Int>) -> Double {
        guard !a.isEmpty || !b.isEmpty else { return 0 }
        let shared = a.count < b.count ? a.filter(b.contains).count : b.filter(a.contains).count
        return Double(shared) / Double(a.count + b.count - shared)
    }
}
