extension BPETokenizer {
    /// Splits text at line breaks into pieces of at most `maxTokens` tokens each (a single longer line is cut), for
    /// tasks that work on a long text one context at a time (summaries). The pieces, joined with line breaks, give
    /// the text back, except where a long line was cut.
    ///
    /// Complexity: one encoding of each line, O(text).
    public func pieces(of text: String, maxTokens: Int) -> [String] {
        let room = max(1, maxTokens)
        var pieces: [String] = []
        var current: [Int] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var lineTokens = encode(String(line) + "\n")
            if current.count + lineTokens.count > room, !current.isEmpty {
                pieces.append(decode(current))
                current = []
            }
            while lineTokens.count > room {
                pieces.append(decode(Array(lineTokens.prefix(room))))
                lineTokens.removeFirst(room)
            }
            current += lineTokens
        }
        if !current.isEmpty || pieces.isEmpty { pieces.append(decode(current)) }
        return pieces.map { $0.hasSuffix("\n") ? String($0.dropLast()) : $0 }
    }
}
