import Logging

/// Points swift-log at stderr with the given level name (unknown names mean info). Call once, at start-up.
func configureLogging(level name: String) {
    let level = Logger.Level(rawValue: name) ?? .info
    LoggingSystem.bootstrap { label in
        var handler = StreamLogHandler.standardError(label: label)
        handler.logLevel = level
        return handler
    }
}
