import JSON
import JSONRPC

/// A zero-based LSP position: a line and a character offset counted in the negotiated `PositionEncoding`.
public struct Position: Equatable, Sendable, JSONEncodable {
    public var line: Int
    public var character: Int

    public init(line: Int, character: Int) {
        self.line = line
        self.character = character
    }

    /// Decodes `{line, character}`; `path` names the member in errors (`"textDocument/completion: position"`).
    init(json: JSONValue?, path: String) throws(ResponseError) {
        let line = try Params.integer(json?["line"], "\(path).line")
        let character = try Params.integer(json?["character"], "\(path).character")
        guard line >= 0, character >= 0 else {
            throw ResponseError(.invalidParams, "\(path) must not be negative (line \(line), character \(character))")
        }
        self.init(line: line, character: character)
    }

    public var json: JSONValue {
        ["line": .int(line), "character": .int(character)]
    }
}
