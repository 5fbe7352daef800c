import JSON
import JSONRPC

extension Server {
    public static let name = "gptls"
    public static let version = "0.1.0"

    /// `initialize`: negotiates the position encoding, applies `initializationOptions`, watches the parent process,
    /// and advertises what the server does.
    func initialize(_ params: JSONValue?) throws -> JSONValue {
        let params = try LSPParams.object(params, "initialize")
        if let options = params["initializationOptions"], !options.isNull {
            try settings.merge(options["gptls"] ?? options)
        }
        let offers = params["capabilities"]?["general"]?["positionEncodings"]?.array?.compactMap(\.string)
        encoding = PositionEncoding.negotiate(clientOffers: offers)
        if let pid = params["processId"]?.int, pid > 0, let pid32 = Int32(exactly: pid) {
            watchParent(pid32)
        }
        state = .running
        models.apply(settings)
        logger.info("initialized: position encoding \(encoding.rawValue)")
        return [
            "capabilities": [
                "positionEncoding": .string(encoding.rawValue),
                "textDocumentSync": ["openClose": true, "change": 2, "save": ["includeText": false]],
                "inlineCompletionProvider": true,
                "completionProvider": ["resolveProvider": false, "triggerCharacters": []],
                "executeCommandProvider": ["commands": .array(Command.allCases.map { .string($0.rawValue) })],
                "codeActionProvider": ["codeActionKinds": ["refactor.rewrite"]],
            ],
            "serverInfo": ["name": .string(Server.name), "version": .string(Server.version)],
        ]
    }

    func didChangeConfiguration(_ params: JSONValue?) throws {
        let params = try LSPParams.object(params, "workspace/didChangeConfiguration")
        guard let raw = params["settings"], !raw.isNull else { return }
        do {
            try settings.merge(raw["gptls"] ?? raw)
        } catch let error as ResponseError {
            showMessage(.error, "gptls: \(error.message)")
            throw error
        }
        models.apply(settings)
    }

    enum MessageType: Int {
        case error = 1, warning, info, log
    }

    /// Tells the user something through the editor (`window/showMessage`).
    func showMessage(_ type: MessageType, _ text: String) {
        notify("window/showMessage", ["type": .int(type.rawValue), "message": .string(text)])
    }
}
