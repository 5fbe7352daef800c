import JSON
import JSONRPC
import Protocol

extension Server {
    public static let name = "gptls"
    /// The package version (the executable adds the build's commit).
    public static let version = "0.1.0"

    /// `initialize`: negotiates the position encoding, applies `initializationOptions`, watches the parent process,
    /// and advertises what the server does.
    func initialize(_ request: InitializeRequest) throws -> JSONValue {
        if let options = request.settings { try settings.merge(options) }
        encoding = PositionEncoding.negotiate(clientOffers: request.positionEncodings)
        clientName = request.clientName
        if let pid = request.processId, pid > 0, let pid32 = Int32(exactly: pid) {
            watchParent(pid32)
        }
        state = .running
        models.apply(settings)
        logger.info("initialized: position encoding \(encoding.rawValue)")
        return InitializeResult(capabilities: ServerCapabilities(positionEncoding: encoding),
                                serverInfo: ServerInfo(name: Server.name, version: version)).json
    }

    func didChangeConfiguration(_ notification: DidChangeConfigurationNotification) throws {
        guard let raw = notification.settings else { return }
        do {
            try settings.merge(raw)
        } catch let error as ResponseError {
            showMessage(.error, "gptls: \(error.message)")
            throw error
        }
        models.apply(settings)
        // Suggestions of other settings (another model, mode or length) are not what a request would get now.
        resetCompletionCache()
    }

    /// Tells the user something through the editor (`window/showMessage`).
    func showMessage(_ type: MessageType, _ text: String) {
        notify(ShowMessageNotification(type: type, message: text))
    }
}
