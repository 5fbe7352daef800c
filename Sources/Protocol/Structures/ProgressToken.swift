import JSON

/// A `workDoneToken`: an integer or a string chosen by the client, echoed in `$/progress` exactly as it was sent.
public struct ProgressToken: Equatable, Sendable, JSONEncodable {
    public let json: JSONValue

    /// The token `json` is, or nil for anything but a string or an integral number (a bad token means no progress,
    /// not a refused request).
    public init?(json: JSONValue) {
        guard json.string != nil || json.int != nil else { return nil }
        self.json = json
    }
}
