/// An LSP position that follows typing at the end of a document (UTF-16 columns, the default encoding).
public struct TypingCursor: Equatable, Sendable {
    public var line = 0
    public var character = 0

    public init(after text: String) {
        for char in text { advance(over: char) }
    }

    /// Moves past one typed character.
    public mutating func advance(over char: Character) {
        if char == "\n" || char == "\r\n" {
            line += 1
            character = 0
        } else {
            character += String(char).utf16.count
        }
    }
}
