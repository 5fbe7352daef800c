/// Why a byte sequence is not a JSON value, as jansson reported it.
///
/// `line` and `column` are 1-based as jansson counts them (column in characters), `position` is the byte offset
/// where jansson stopped; `text` is jansson's own sentence (e.g. "unable to decode byte 0xff").
public struct JSONError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The broad kind, from jansson's `json_error_code`.
    public enum Kind: Equatable, Sendable {
        case invalidUTF8
        case invalidSyntax
        case prematureEndOfInput
        case endOfInputExpected
        case tooDeeplyNested
        case numericOverflow
        case nulCharacter
        case other
    }

    public var kind: Kind
    public var text: String
    public var line: Int
    public var column: Int
    public var position: Int

    public init(kind: Kind, text: String, line: Int, column: Int, position: Int) {
        self.kind = kind
        self.text = text
        self.line = line
        self.column = column
        self.position = position
    }

    public var description: String {
        "invalid JSON at line \(line), column \(column) (byte \(position)): \(text)"
    }
}
