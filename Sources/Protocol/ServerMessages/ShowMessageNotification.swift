import JSON

/// `window/showMessage`: something the editor shows the user (a model that does not load, a command's result).
public struct ShowMessageNotification: ServerNotificationType, Equatable {
    public static let method = "window/showMessage"

    public var type: MessageType
    public var message: String

    public init(type: MessageType, message: String) {
        self.type = type
        self.message = message
    }

    public var params: JSONValue {
        ["type": .int(type.rawValue), "message": .string(message)]
    }
}
