import JSON
import JSONRPC
import LanguageServer
import Protocol

/// What `gptls connect` keeps of its editor's session so that a new shared process can be given the same session:
/// the `initialize` params, whether `initialized` was sent, the settings changes, the trace level, and the open
/// documents with their text as the editor's edits left it.
///
/// The server merges each settings change into the settings before it, so all of them are replayed, in order; a
/// change sent again with the same params replaces its earlier copy (merging it again gives the same settings), and
/// past `maximumConfigurations` the oldest are dropped.
///
/// Edits are applied with the server's own `TextDocument`, in the position encoding the server answered to
/// `initialize` (UTF-16 until it has answered), so the text replayed is the text the server had. Messages that do not
/// decode are not kept: the server ignores them too.
///
/// Threading: not thread-safe; `SocketRelay` uses it under its lock.
struct RelaySession {
    /// The editor's `initialize` request, as sent.
    private(set) var initialize: (id: RequestID, params: JSONValue?)?
    private(set) var initialized = false
    /// The editor sent `shutdown`: the session is ending, nothing is restarted for it.
    private(set) var shuttingDown = false
    /// The editor sent `exit`.
    private(set) var exited = false
    private var configurations: [JSONValue] = []
    static let maximumConfigurations = 256
    private var trace: JSONValue?
    private var encoding = PositionEncoding.utf16
    /// Open documents in the order they were opened, so a replay opens them in the same order.
    private var documents: [String: TextDocument] = [:]
    private var openOrder: [String] = []

    var openDocuments: Int { documents.count }

    /// Notes what an editor's message changes in the session.
    mutating func record(_ message: Message) {
        switch message {
        case .request(let id, let method, let params):
            if method == "initialize", initialize == nil { initialize = (id, params) }
            if method == "shutdown" { shuttingDown = true }
        case .notification(let method, let params):
            record(method: method, params: params)
        case .response:
            break
        }
    }

    /// Notes the server's answer to `initialize`: the position encoding edits are counted in.
    mutating func recordInitializeResult(_ result: JSONValue) {
        if let name = result["capabilities"]?["positionEncoding"]?.string, let chosen = PositionEncoding(rawValue: name) {
            encoding = chosen
        }
    }

    private mutating func record(method: String, params: JSONValue?) {
        guard let notification = try? ClientNotification(method: method, params: params) else { return }
        switch notification {
        case .initialized: initialized = true
        case .exit: exited = true
        case .didChangeConfiguration:
            let params = params ?? .null
            configurations.removeAll { $0 == params }
            configurations.append(params)
            if configurations.count > RelaySession.maximumConfigurations { configurations.removeFirst() }
        case .setTrace: trace = params
        case .didOpen(let open):
            let item = open.textDocument
            if documents[item.uri] == nil { openOrder.append(item.uri) }
            documents[item.uri] = TextDocument(uri: item.uri, languageID: item.languageID, version: item.version,
                                               text: item.text)
        case .didChange(let change):
            let uri = change.textDocument.uri
            guard var document = documents.removeValue(forKey: uri) else { return }
            // No size limit here: the server applies its own, and refuses the replayed document as it did the original.
            _ = try? document.apply(change.contentChanges, version: change.version ?? document.nextVersion,
                                    encoding: encoding)
            documents[uri] = document
        case .didClose(let close):
            let uri = close.textDocument.uri
            if documents.removeValue(forKey: uri) != nil { openOrder.removeAll { $0 == uri } }
        default:
            break
        }
    }

    /// Whether a message of the editor is covered by a replay (so it is not sent again after one).
    static func isReplayed(_ message: Message) -> Bool {
        guard case .notification(let method, _) = message else { return false }
        return ["initialized", "workspace/didChangeConfiguration", "$/setTrace", "textDocument/didOpen",
                "textDocument/didChange", "textDocument/didClose"].contains(method)
    }

    /// The `initialize` request that opens the session again, under the relay's own id.
    func replayInitialize(id: RequestID) -> Message? {
        guard let initialize else { return nil }
        return .request(id: id, method: "initialize", params: initialize.params)
    }

    /// What follows a replayed `initialize` once it is answered: `initialized`, the settings changes, the trace level and a
    /// `didOpen` of each open document with its current text.
    func replayAfterInitialize() -> [Message] {
        var messages: [Message] = []
        if initialized { messages.append(.notification(method: "initialized", params: [:])) }
        for configuration in configurations {
            messages.append(.notification(method: "workspace/didChangeConfiguration", params: configuration))
        }
        if let trace { messages.append(.notification(method: "$/setTrace", params: trace)) }
        for uri in openOrder {
            guard let document = documents[uri] else { continue }
            messages.append(.notification(method: "textDocument/didOpen", params: [
                "textDocument": ["uri": .string(uri), "languageId": .string(document.languageID),
                                 "version": .int(document.version), "text": .string(document.text)],
            ]))
        }
        return messages
    }
}
