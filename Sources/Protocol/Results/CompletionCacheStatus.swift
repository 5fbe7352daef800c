import JSON

/// The completion cache of one connection in `gptls/status`: suggestions held, requests answered from them, and
/// completions being computed ahead of a suggestion's acceptance.
public struct CompletionCacheStatus: Equatable, Sendable, JSONEncodable {
    /// Suggestions held, those still being computed included.
    public var entries: Int
    /// Completion requests answered from the cache, with no model work.
    public var hits: Int
    /// Prefetches running now (at most one per document).
    public var prefetching: Int

    public init(entries: Int = 0, hits: Int = 0, prefetching: Int = 0) {
        self.entries = entries
        self.hits = hits
        self.prefetching = prefetching
    }

    public var json: JSONValue {
        ["entries": .int(entries), "hits": .int(hits), "prefetching": .int(prefetching)]
    }
}
