import JSON
import JSONRPC

/// `initialize`: the client's process, its position encodings and the initial settings.
///
/// Only the object check can fail here: the settings are validated when the server merges them (`Settings.merge`,
/// whose errors name the setting), and the other members are read leniently, as clients differ in what they send.
public struct InitializeRequest: RequestType, Equatable {
    public static let method = "initialize"
    public typealias Response = InitializeResult

    /// `processId` when it is an integer; the server watches that process (LSP allows `null`).
    public var processId: Int?
    /// `capabilities.general.positionEncodings`, its string entries; nil when the client says nothing.
    public var positionEncodings: [String]?
    /// `initializationOptions`, undecoded; nil when absent or `null`.
    public var initializationOptions: JSONValue?
    /// `clientInfo.name` (with its version when given), shown in `gptls/status`; nil when the client says nothing.
    public var clientName: String?

    public init(processId: Int? = nil, positionEncodings: [String]? = nil, initializationOptions: JSONValue? = nil,
                clientName: String? = nil) {
        self.processId = processId
        self.positionEncodings = positionEncodings
        self.initializationOptions = initializationOptions
        self.clientName = clientName
    }

    public init(params: JSONValue?) throws(ResponseError) {
        let params = try Params.object(params, Self.method)
        self.init(processId: params["processId"]?.int,
                  positionEncodings: params["capabilities"]?["general"]?["positionEncodings"]?.array?.compactMap(\.string),
                  initializationOptions: Params.present(params["initializationOptions"]),
                  clientName: params["clientInfo"]?["name"]?.string.map { name in
                      params["clientInfo"]?["version"]?.string.map { "\(name) \($0)" } ?? name
                  })
    }

    /// The settings to merge: the `gptls` member of `initializationOptions` when it has one, else the options
    /// themselves; nil when there are none.
    public var settings: JSONValue? { Params.gptlsSection(initializationOptions) }
}
