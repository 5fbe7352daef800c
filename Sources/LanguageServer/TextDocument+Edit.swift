extension TextDocument {
    /// One replacement in a document's bytes: `range` of the text before it became `insertedCount` new bytes.
    ///
    /// What `apply` reports, so that state anchored in the text (cached completions) can follow the edits.
    public struct Edit: Equatable, Sendable {
        public var range: Range<Int>
        public var insertedCount: Int

        public init(range: Range<Int>, insertedCount: Int) {
            self.range = range
            self.insertedCount = insertedCount
        }

        /// The smallest replacement that turns `old` into `new`: the bytes they share at both ends are kept, so a
        /// client that sends the whole text on each keystroke still reports a keystroke. O(length).
        static func between(_ old: [UInt8], _ new: [UInt8]) -> Edit {
            let shortest = min(old.count, new.count)
            var head = 0
            while head < shortest, old[head] == new[head] { head += 1 }
            var tail = 0
            while tail < shortest - head, old[old.count - 1 - tail] == new[new.count - 1 - tail] { tail += 1 }
            return Edit(range: head..<(old.count - tail), insertedCount: new.count - tail - head)
        }
    }
}
