import FuzzSupport
import JSON
import JSONRPC

/// Turns fuzz input into the messages an editor might send, one at a time: each message is chosen by a byte, its
/// params built from the following bytes (documents from a small set, positions anywhere, texts of any Unicode),
/// and sometimes mutated (a member replaced by a value of another type) or written by the input itself as JSON.
struct SessionScript {
    private var nextID: Int64 = 0
    private var sentIDs: [RequestID] = []

    static let uris = ["file:///a.py", "file:///b.swift", "untitled:c", "file:///d%20e.txt"]
    static let methods = [
        "initialize", "shutdown", "textDocument/inlineCompletion", "textDocument/completion", "textDocument/codeAction",
        "workspace/executeCommand", "gptls/summarize", "gptls/classify", "gptls/status", "initialized", "exit",
        "textDocument/didOpen", "textDocument/didChange", "textDocument/didClose", "textDocument/didSave",
        "workspace/didChangeConfiguration", "$/cancelRequest", "$/setTrace", "$/logTrace", "gptls/completionFeedback",
        "textDocument/hover", "$/unknown",
    ]
    static let notifications: Set<String> = [
        "initialized", "exit", "textDocument/didOpen", "textDocument/didChange", "textDocument/didClose",
        "textDocument/didSave", "workspace/didChangeConfiguration", "$/cancelRequest", "$/setTrace", "$/logTrace",
        "gptls/completionFeedback", "$/unknown",
    ]

    /// The session's opening: mostly a well-formed `initialize` and `initialized` (so the bytes that follow reach
    /// the handlers of a running server), sometimes nothing (requests before `initialize`).
    mutating func opening(_ input: inout FuzzInput) -> [Message] {
        guard input.choose(8) != 0 else { return [] }
        nextID += 1
        let id = RequestID.int(nextID)
        sentIDs.append(id)
        return [.request(id: id, method: "initialize", params: [
            "processId": .null, "capabilities": [:], "initializationOptions": ["maxTokens": 3, "summaryMaxTokens": 3],
        ]), .notification(method: "initialized", params: [:])]
    }

    mutating func next(_ input: inout FuzzInput) -> Message {
        switch input.choose(16) {
        case 0: return request("initialize", initialize(&input), &input)
        case 1: return .notification(method: "initialized", params: [:])
        case 2: return .notification(method: "textDocument/didOpen", params: ["textDocument": [
            "uri": .string(input.pick(Self.uris)), "languageId": .string(input.pick(["python", "swift", "plaintext"])),
            "version": .int(input.smallInt()), "text": .string(input.string(maximum: 80)),
        ]])
        case 3: return .notification(method: "textDocument/didChange", params: change(&input))
        case 4, 5: return request("textDocument/inlineCompletion", positioned(&input, [
            "context": ["triggerKind": .int(input.choose(3))],
        ]), &input)
        case 6: return request("textDocument/completion", positioned(&input, [:]), &input)
        case 7: return request("gptls/summarize", .object(target(&input)), &input)
        case 8:
            var params = target(&input)
            if input.choose(2) == 0 { params["labels"] = .array((0..<input.choose(4)).map { _ in .string(input.string(maximum: 8)) }) }
            return request("gptls/classify", .object(params), &input)
        case 9:
            let id = sentIDs.isEmpty ? RequestID.int(Int64(input.smallInt())) : input.pick(sentIDs)
            return .notification(method: "$/cancelRequest", params: ["id": id.json])
        case 10: return .notification(method: "workspace/didChangeConfiguration", params: ["settings": ["gptls": .object(settings(&input))]])
        case 11: return request("gptls/status", nil, &input)
        case 12: return request("workspace/executeCommand", [
            "command": .string(input.pick(["gptls.summarize", "gptls.classify", "gptls.unknown"])),
            "arguments": [.object(target(&input))],
        ], &input)
        case 13: return request("textDocument/codeAction", [
            "textDocument": ["uri": .string(input.pick(Self.uris))], "range": range(&input), "context": ["diagnostics": []],
        ], &input)
        case 14:
            let method = input.pick(["shutdown", "exit", "textDocument/didClose", "gptls/completionFeedback", "$/setTrace"])
            let params: JSONValue = ["textDocument": ["uri": .string(input.pick(Self.uris))],
                                     "event": .string(input.pick(["shown", "accepted", "partiallyAccepted", "dismissed"])),
                                     "acceptedCharacters": .int(input.smallInt()), "value": "off"]
            return method == "shutdown" ? request(method, nil, &input) : .notification(method: method, params: params)
        default:
            // A method with params the input writes as JSON (whatever parses), or none.
            let method = input.pick(Self.methods)
            let params = try? JSONValue.parse(input.string(maximum: 96))
            return Self.notifications.contains(method)
                ? .notification(method: method, params: params) : request(method, params, &input, mutate: false)
        }
    }

    private mutating func request(_ method: String, _ params: JSONValue?, _ input: inout FuzzInput,
                                  mutate: Bool = true) -> Message {
        nextID += 1
        let id: RequestID = input.choose(8) == 0 ? .string("r\(nextID)") : .int(nextID)
        sentIDs.append(id)
        return .request(id: id, method: method, params: mutate ? self.mutate(params, &input) : params)
    }

    /// Sometimes replaces one member, at any depth, by a value of another type.
    private func mutate(_ value: JSONValue?, _ input: inout FuzzInput) -> JSONValue? {
        guard input.choose(4) == 0 else { return value }
        guard case .object(var object)? = value, !object.keys.isEmpty else { return scalar(&input) }
        let key = input.pick(Array(object.keys))
        object[key] = input.choose(2) == 0 ? scalar(&input) : mutate(object[key], &input)
        return .object(object)
    }

    private func scalar(_ input: inout FuzzInput) -> JSONValue {
        switch input.choose(6) {
        case 0: return .null
        case 1: return .bool(input.choose(2) == 0)
        case 2: return .int(input.smallInt())
        case 3: return .number(Double(input.smallInt()) / 3)
        case 4: return .string(input.string(maximum: 12))
        default: return [:]
        }
    }

    private func position(_ input: inout FuzzInput) -> JSONValue {
        ["line": .int(input.smallInt()), "character": .int(input.smallInt())]
    }

    private func range(_ input: inout FuzzInput) -> JSONValue {
        ["start": position(&input), "end": position(&input)]
    }

    private func positioned(_ input: inout FuzzInput, _ extra: JSONObject) -> JSONValue {
        var object = extra
        object["textDocument"] = ["uri": .string(input.pick(Self.uris))]
        object["position"] = position(&input)
        return .object(object)
    }

    private func target(_ input: inout FuzzInput) -> JSONObject {
        switch input.choose(3) {
        case 0: return ["text": .string(input.string(maximum: 64))]
        case 1: return ["textDocument": ["uri": .string(input.pick(Self.uris))]]
        default: return ["textDocument": ["uri": .string(input.pick(Self.uris))], "range": range(&input)]
        }
    }

    private func change(_ input: inout FuzzInput) -> JSONValue {
        var changes: [JSONValue] = []
        for _ in 0...input.choose(3) {
            var change: JSONObject = ["text": .string(input.string(maximum: 24))]
            if input.choose(4) != 0 { change["range"] = range(&input) }
            changes.append(.object(change))
        }
        return ["textDocument": ["uri": .string(input.pick(Self.uris)), "version": .int(input.smallInt())],
                "contentChanges": .array(changes)]
    }

    private func initialize(_ input: inout FuzzInput) -> JSONValue {
        let encodings = (0..<input.choose(3)).map { _ in JSONValue.string(input.pick(["utf-8", "utf-16", "utf-32", "x"])) }
        return ["processId": .null, "capabilities": ["general": ["positionEncodings": .array(encodings)]],
                "initializationOptions": .object(settings(&input))]
    }

    private func settings(_ input: inout FuzzInput) -> JSONObject {
        var object: JSONObject = ["maxTokens": .int(1 + input.choose(4)), "summaryMaxTokens": .int(1 + input.choose(4))]
        if input.choose(3) == 0 { object["weights"] = .string(input.pick(["f32", "bf16", "int4"])) }
        if input.choose(3) == 0 { object["completionMode"] = .string(input.pick(["single-line", "multi-line", "auto"])) }
        if input.choose(4) == 0 { object["prefixCache"] = .bool(input.choose(2) == 0) }
        if input.choose(4) == 0 { object["deadlineMs"] = .int(input.smallInt() * 10) }
        if input.choose(4) == 0 { object["temperature"] = .number(Double(input.choose(20)) / 10) }
        return object
    }
}
