import Foundation

/// A piece of the workspace shown to the model before the document being completed: a part of another open
/// document, or a recently edited range.
public struct ContextChunk: Equatable, Hashable, Sendable {
    /// Where it comes from, as the prompt names it (a file name or path, never a full URI).
    public var name: String
    public var text: String
    /// Its place in the choice, 0 for the chunk most similar to the lines around the cursor: a prompt with less room
    /// than the choice keeps the most similar (`fitting`).
    public var rank: Int

    public init(name: String, text: String, rank: Int = 0) {
        self.name = name
        self.text = text
        self.rank = rank
    }

    /// The name a prompt gives the document at `uri`: its last path component, percent-decoded (`file:///a/b.py`
    /// -> `b.py`); the URI itself where it has no path.
    public static func name(ofURI uri: String) -> String {
        let path = uri.split(separator: "?").first.map(String.init) ?? uri
        guard let last = path.split(separator: "/").last, !last.isEmpty else { return uri }
        return String(last).removingPercentEncoding ?? String(last)
    }
}

extension Array where Element == ContextChunk {
    /// The indices of the chunks that fit `capacity` together, given each one's cost in the prompt's unit: the most
    /// similar (lowest rank) taken first, a chunk that does not fit left out whole (a cut chunk would change with
    /// every edit of its end), returned in this array's order, the stable one that keeps a prompt's block the same
    /// while the choice is.
    public func fitting(_ capacity: Int, costs: [Int]) -> [Int] {
        var room = capacity
        var kept: Set<Int> = []
        for index in indices.sorted(by: { (self[$0].rank, $0) < (self[$1].rank, $1) }) where costs[index] <= room {
            kept.insert(index)
            room -= costs[index]
        }
        return indices.filter(kept.contains)
    }
}
