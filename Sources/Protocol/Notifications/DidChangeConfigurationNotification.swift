import JSON
import JSONRPC

/// `workspace/didChangeConfiguration`: new settings, validated when the server merges them (`Settings.merge`).
public struct DidChangeConfigurationNotification: NotificationType, Equatable {
    public static let method = "workspace/didChangeConfiguration"

    /// `settings` as sent; nil when absent or `null` (nothing changes then).
    public var rawSettings: JSONValue?

    public init(rawSettings: JSONValue?) {
        self.rawSettings = rawSettings
    }

    public init(params: JSONValue?) throws(ResponseError) {
        let params = try Params.object(params, Self.method)
        self.init(rawSettings: Params.present(params["settings"]))
    }

    /// The settings to merge: the `gptls` member of `settings` when it has one, else `settings` itself.
    public var settings: JSONValue? { Params.gptlsSection(rawSettings) }
}
