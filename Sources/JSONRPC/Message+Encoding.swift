import JSON

extension Message {
    /// The message as a JSON-RPC 2.0 object, `jsonrpc` first.
    public var json: JSONValue {
        var object: JSONObject = ["jsonrpc": "2.0"]
        switch self {
        case .request(let id, let method, let params):
            object["id"] = id.json
            object["method"] = .string(method)
            if let params { object["params"] = params }
        case .notification(let method, let params):
            object["method"] = .string(method)
            if let params { object["params"] = params }
        case .response(let id, let result):
            object["id"] = id?.json ?? .null
            switch result {
            case .success(let value): object["result"] = value
            case .failure(let error): object["error"] = error.json
            }
        }
        return .object(object)
    }

    /// The compact JSON body of the message (without framing).
    public func serialize() -> [UInt8] { json.serialize() }

    /// The framed message: header and body, ready to write.
    public func framed() -> [UInt8] { Framing.encode(serialize()) }
}
