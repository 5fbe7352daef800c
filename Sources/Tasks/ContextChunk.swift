import Foundation

/// A piece of the workspace shown to the model before the document being completed: a part of another open
/// document, or a recently edited range.
public struct ContextChunk: Equatable, Hashable, Sendable {
    /// Where it comes from, as the prompt names it (a file name or path, never a full URI).
    public var name: String
    public var text: String

    public init(name: String, text: String) {
        self.name = name
        self.text = text
    }

    /// The name a prompt gives the document at `uri`: its last path component, percent-decoded (`file:///a/b.py`
    /// -> `b.py`); the URI itself where it has no path.
    public static func name(ofURI uri: String) -> String {
        let path = uri.split(separator: "?").first.map(String.init) ?? uri
        guard let last = path.split(separator: "/").last, !last.isEmpty else { return uri }
        return String(last).removingPercentEncoding ?? String(last)
    }
}
