import JSON

/// The result of `initialize`: what the server can do, and who it is.
public struct InitializeResult: Equatable, Sendable, JSONEncodable {
    public var capabilities: ServerCapabilities
    public var serverInfo: ServerInfo

    public init(capabilities: ServerCapabilities, serverInfo: ServerInfo) {
        self.capabilities = capabilities
        self.serverInfo = serverInfo
    }

    public var json: JSONValue {
        ["capabilities": capabilities.json, "serverInfo": serverInfo.json]
    }
}

/// `serverInfo`: `{name, version}`.
public struct ServerInfo: Equatable, Sendable, JSONEncodable {
    public var name: String
    public var version: String

    public init(name: String, version: String) {
        self.name = name
        self.version = version
    }

    public var json: JSONValue {
        ["name": .string(name), "version": .string(version)]
    }
}
