import JSON
import JSONRPC

/// A half-open LSP range `[start, end)`.
///
/// This module's `Range` shadows the standard library's in code that imports it; write `Swift.Range` for the other.
public struct Range: Equatable, Sendable, JSONEncodable {
    public var start: Position
    public var end: Position

    public init(start: Position, end: Position) {
        self.start = start
        self.end = end
    }

    /// The empty range at `position`.
    public init(at position: Position) {
        self.init(start: position, end: position)
    }

    /// Decodes `{start, end}`, start first; `path` names the member in errors.
    init(json: JSONValue?, path: String) throws(ResponseError) {
        let start = try Position(json: json?["start"], path: "\(path).start")
        self.init(start: start, end: try Position(json: json?["end"], path: "\(path).end"))
    }

    public var json: JSONValue {
        ["start": start.json, "end": end.json]
    }
}
