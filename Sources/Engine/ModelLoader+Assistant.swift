import Foundation
import GPT
import Tokenizer

extension ModelLoader {
    /// Loads the selected models into one engine and returns the assistant that serves the three tasks.
    public static func assistant(_ selection: Selection) throws -> Assistant {
        let completion = try source(selection.completion, task: "completion")
        let summarize = try source(selection.summarize, task: "summarize")
        let classify = try source(selection.classify, task: "classify")

        // Load each distinct weights file once: an engine model per file.
        var files: [URL] = []
        var models: [GPTModel] = []
        func index(of source: TaskSource) throws -> Int {
            if let existing = files.firstIndex(of: source.weights) { return existing }
            files.append(source.weights)
            let config = try source.config.map { try GPTConfig(contentsOf: $0) }
            models.append(try GPTModel.load(from: source.weights, config: config,
                                            heads: source.heads ?? selection.heads, weights: selection.weights))
            return files.count - 1
        }
        let indices = (try index(of: completion), try index(of: summarize), try index(of: classify))
        let budget = max(1, selection.cacheBudgetMB) << 20
        let stepModels = models.map { GPTStepModel(model: $0, cacheBytes: budget) }
        var options = Engine.Options()
        options.prefixCaching = selection.prefixCaching
        let engine = Engine(models: stepModels, options: options)

        func taskModel(_ source: TaskSource, _ index: Int) throws -> Assistant.TaskModel {
            let model = models[index]
            var labels: [String]?
            if case .classifier(let own) = model.task { labels = source.labels ?? own }
            return Assistant.TaskModel(index: index, tokenizer: try tokenizer(for: source),
                                       contextLength: model.config.nPositions, labels: labels,
                                       classifierInput: source.classifierInput)
        }
        let assistant = Assistant(engine: engine, completion: try taskModel(completion, indices.0),
                                  summarize: try taskModel(summarize, indices.1),
                                  classify: try taskModel(classify, indices.2))
        if let instruction = summarize.instruction { assistant.summaryInstruction = instruction }
        return assistant
    }

}
