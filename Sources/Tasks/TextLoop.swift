/// Finds where generated text starts looping.
///
/// Small models fall into loops (`name, name, name, ...`, `list of the given list of the given ...`) that are no use
/// to anyone; inline completions and summaries end where the loop begins.
public enum TextLoop {
    /// Where a loop at the end of the text starts repeating: the text ends with a piece of 2 to 24 characters (not
    /// all one character, so `====` rulers stay) four times in a row; the cut keeps its first occurrence.
    public static func start(in generated: String) -> String.Index? {
        let characters = Array(generated.suffix(4 * 24))
        let count = characters.count
        for period in 2...24 where 4 * period <= count {
            let tail = characters[(count - 4 * period)...]
            let piece = tail.prefix(period)
            guard Set(piece).count > 1 else { continue }
            let periodic = tail.indices.dropLast(period).allSatisfy { tail[$0] == tail[$0 + period] }
            if periodic { return generated.index(generated.endIndex, offsetBy: -3 * period) }
        }
        return nil
    }
}
