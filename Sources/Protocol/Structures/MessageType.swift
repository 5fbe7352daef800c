/// The severity of a `window/showMessage`.
public enum MessageType: Int, Sendable {
    case error = 1, warning, info, log
}
