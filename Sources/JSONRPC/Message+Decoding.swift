import JSON

extension Message {
    /// Decodes a frame body: JSON (jansson) first, then the JSON-RPC rules of `init(json:)`.
    ///
    /// Invalid JSON, including invalid UTF-8, is -32700 ParseError with a null id; the message carries jansson's
    /// line, column and reason, and `data` has `{line, column, position}`.
    public init<Body: Collection<UInt8>>(body: Body) throws(InvalidMessage) {
        let json: JSONValue
        do {
            json = try JSONValue.parse(body)
        } catch {
            throw InvalidMessage(id: nil, error: ResponseError(
                .parseError,
                "message body is not valid JSON: line \(error.line), column \(error.column) (byte \(error.position)): \(error.text)",
                data: ["line": .int(error.line), "column": .int(error.column), "position": .int(error.position)]))
        }
        try self.init(json: json)
    }

    /// Decodes a JSON-RPC 2.0 message.
    ///
    /// A request has `method` and an integer or string `id`; a notification has `method` and no `id`; a response
    /// has `result` or `error` and no `method`. Everything else is -32600 InvalidRequest: not an object, a batch
    /// (array, not supported by LSP), `jsonrpc` other than "2.0", an id that is null, a float, a bool, an array or
    /// an object, a method that is not a string, params that are not an object or an array. `"params": null` is
    /// read as absent params, as lenient clients send it. The error carries the id when it could be read.
    public init(json: JSONValue) throws(InvalidMessage) {
        guard case .object(let object) = json else {
            if case .array = json {
                throw InvalidMessage(id: nil, error: ResponseError(
                    .invalidRequest, "batch messages (a JSON array) are not supported: send one object per frame"))
            }
            throw InvalidMessage(id: nil, error: ResponseError(
                .invalidRequest, "message is a JSON \(json.typeName), expected an object"))
        }
        let rawID = object["id"]
        let id = rawID.flatMap(RequestID.init(json:))
        func invalid(_ message: String) -> InvalidMessage {
            InvalidMessage(id: id, error: ResponseError(.invalidRequest, message))
        }

        guard object["jsonrpc"] == "2.0" else {
            let found = object["jsonrpc"].map { $0.jsonText } ?? "nothing"
            throw invalid("message has \"jsonrpc\": \(found), expected \"2.0\"")
        }

        if let rawMethod = object["method"] {
            guard case .string(let method) = rawMethod else {
                throw invalid("message has \"method\" of type \(rawMethod.typeName), expected a string")
            }
            var params = object["params"]
            if params == .null { params = nil }
            if let params, params.array == nil, params.object == nil {
                throw invalid("\(method): \"params\" is a \(params.typeName), expected an object or an array")
            }
            guard let rawID else {
                self = .notification(method: method, params: params)
                return
            }
            guard let id else {
                throw invalid("\(method): \"id\" is a \(rawID.typeName) (\(rawID.jsonText)), expected an integer or a string")
            }
            self = .request(id: id, method: method, params: params)
            return
        }

        let result = object["result"], error = object["error"]
        guard result != nil || error != nil else {
            throw invalid("message has no \"method\", \"result\" or \"error\": it is neither a request nor a response")
        }
        func invalidResponse(_ message: String) -> InvalidMessage {
            InvalidMessage(id: id, error: ResponseError(.invalidRequest, message), repliable: false)
        }
        if result != nil, error != nil {
            throw invalidResponse("response has both \"result\" and \"error\"")
        }
        if let result {
            guard let id else { throw invalidResponse("response has an id that is not an integer or a string") }
            self = .response(id: id, result: .success(result))
            return
        }
        guard let responseError = error.flatMap(ResponseError.init(json:)) else {
            throw invalidResponse("response \"error\" is not {code: integer, message: string}")
        }
        guard id != nil || rawID == .null else {
            throw invalidResponse("error response has an id that is not an integer, a string or null")
        }
        self = .response(id: id, result: .failure(responseError))
    }
}
