import Protocol

extension Server {
    /// `gptls/completionFeedback`: counts what the user did with a completion under the model it came from (the
    /// notification's `model`, else the model of the latest completion served, else the configured one). Kept in
    /// memory for `gptls/status`; nothing is written or sent anywhere.
    func recordFeedback(_ notification: CompletionFeedbackNotification) {
        let model = notification.model ?? lastCompletionModel
            ?? Server.feedbackKey(settings.modelPath(for: .completion))
        completionFeedback[model, default: CompletionFeedbackCounts()].record(notification)
    }

    /// The name a model's feedback is counted under: its path as configured, `default` for the bundled model.
    static func feedbackKey(_ modelPath: String?) -> String {
        modelPath ?? "default"
    }
}
