import JSON
import JSONRPC

/// Reading LSP structures out of request params, with -32602 errors that name the missing or bad field.
enum LSPParams {
    static func object(_ params: JSONValue?, _ method: String) throws -> JSONValue {
        guard let params, case .object = params else {
            throw ResponseError(.invalidParams, "\(method): params must be an object")
        }
        return params
    }

    static func string(_ value: JSONValue?, _ path: String) throws -> String {
        guard let text = value?.string else { throw missing(path, "a string", value) }
        return text
    }

    static func integer(_ value: JSONValue?, _ path: String) throws -> Int {
        guard let number = value?.int else { throw missing(path, "an integer", value) }
        return number
    }

    static func uri(_ params: JSONValue, _ method: String) throws -> String {
        try string(params["textDocument"]?["uri"], "\(method): textDocument.uri")
    }

    static func position(_ value: JSONValue?, _ path: String) throws -> Position {
        let line = try integer(value?["line"], "\(path).line")
        let character = try integer(value?["character"], "\(path).character")
        guard line >= 0, character >= 0 else {
            throw ResponseError(.invalidParams, "\(path) must not be negative (line \(line), character \(character))")
        }
        return Position(line: line, character: character)
    }

    static func range(_ value: JSONValue?, _ path: String) throws -> Range {
        Range(start: try position(value?["start"], "\(path).start"), end: try position(value?["end"], "\(path).end"))
    }

    static func json(_ position: Position) -> JSONValue {
        ["line": .int(position.line), "character": .int(position.character)]
    }

    static func json(_ range: Range) -> JSONValue {
        ["start": json(range.start), "end": json(range.end)]
    }

    private static func missing(_ path: String, _ expected: String, _ value: JSONValue?) -> ResponseError {
        ResponseError(.invalidParams, "\(path) must be \(expected), not \(value?.jsonText ?? "missing")")
    }
}
