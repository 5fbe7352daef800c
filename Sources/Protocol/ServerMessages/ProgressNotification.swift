import JSON

/// `$/progress`: work-done progress of a request that carried a `workDoneToken`.
///
/// The client created the token by sending it, so the server never asks for one with
/// `window/workDoneProgress/create`.
public struct ProgressNotification: ServerNotificationType, Equatable {
    public static let method = "$/progress"

    public var token: ProgressToken
    public var value: WorkDoneProgress

    public init(token: ProgressToken, value: WorkDoneProgress) {
        self.token = token
        self.value = value
    }

    public var params: JSONValue {
        ["token": token.json, "value": value.json]
    }
}
