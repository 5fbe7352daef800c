import Dispatch
import Foundation
import FuzzSupport
import RemoteBackend
import Tasks

// The remote backend against an engine that answers anything: the input is one task (a completion, with a stop
// rule, a deadline, a supersede or a cancel; a summary of one or several pieces; a zero-shot classification) and the
// engine's replies to each request it makes (`ReplyScript`), served over loopback HTTP. Whatever the engine sends,
// the task ends exactly once, with a result or a clear error, in bounded time, and the backend keeps serving.
let server = ReplyServer()
let endpoint = try! RemoteEndpoint(url: server.url, model: "m")
var options = RemoteBackend.Options()
options.requestTimeout = 1.5
options.idleTimeout = 0.5
// Small pieces, so a summary of a few lines already takes several requests.
options.inputCharacters = 48

/// How often one task has ended, and how.
final class Outcomes: @unchecked Sendable {
    private let lock = NSLock()
    private let ended = DispatchSemaphore(value: 0)
    private var counts: [Int] = []

    /// A slot for one more task; `end(slot)` records its end.
    func add() -> Int {
        lock.lock()
        defer { lock.unlock() }
        counts.append(0)
        return counts.count - 1
    }

    func end(_ slot: Int, _ description: String) {
        lock.lock()
        counts[slot] += 1
        let count = counts[slot]
        lock.unlock()
        if count > 1 { Fuzzer.fail("task \(slot) ended twice, the second time with \(description)") }
        ended.signal()
    }

    /// Waits until every task has ended once; traps after `seconds`.
    func waitForAll(seconds: Double) {
        lock.lock()
        let tasks = counts.count
        lock.unlock()
        let deadline = DispatchTime.now() + seconds
        for _ in 0..<tasks where ended.wait(timeout: deadline) == .timedOut {
            Fuzzer.fail("a task did not end within \(seconds) s")
        }
    }
}

let labelSets: [[String]?] = [nil, ["python", "swift"], ["a"], ["yes", "no", "maybe"], ["é🎉", "\u{0}", "x y"]]

Fuzzer.run { data in
    var input = FuzzInput(data)
    let kind = input.choose(8)
    let cancelAfter = input.choose(4)  // 0: never; else after a short wait
    let lines = input.choose(5)
    let labels = input.pick(labelSets)
    server.begin(ReplyScript(input.rest()))

    let backend = RemoteBackend(endpoint: endpoint, options: options)
    let outcomes = Outcomes()
    var calls: [any Cancellable] = []
    func completion(_ key: String, stop: @escaping @Sendable (String) -> Bool = { _ in false },
                    deadline: DispatchTime? = nil) -> CompletionTask {
        CompletionTask(documentKey: key, prefix: "def f(x):\n    return", maxTokens: 8, deadline: deadline, stop: stop)
    }
    func complete(_ task: CompletionTask) {
        let slot = outcomes.add()
        calls.append(backend.complete(task) { outcomes.end(slot, "\($0)") })
    }

    switch kind {
    case 0: complete(completion("a"))
    case 1: complete(completion("a", stop: { $0.contains("\n") }))
    case 2: complete(completion("a", deadline: .now() + .milliseconds(30)))
    case 3:
        complete(completion("a"))
        complete(completion("a"))
        complete(completion("b"))
    case 4, 5:
        let text = (0...lines).map { "line \($0) of a text to summarise" }.joined(separator: "\n")
        let slot = outcomes.add()
        calls.append(backend.summarize(SummaryTask(text: text, maxTokens: 8), progress: { _, _ in }) {
            outcomes.end(slot, "\($0)")
        })
    default:
        let slot = outcomes.add()
        calls.append(backend.classify(ClassificationTask(text: "import Foundation", labels: labels)) { outcome in
            if case .success(let classification) = outcome {
                let probabilities = classification.scores.map(\.probability)
                let total = probabilities.reduce(0, +)
                guard probabilities.count == (labels ?? PromptFormat.defaultLabels).count,
                      probabilities.allSatisfy(\.isFinite), abs(total - 1) < 1e-6 else {
                    Fuzzer.fail("the labels' probabilities are not a distribution: \(classification.scores)")
                }
            }
            outcomes.end(slot, "\(outcome)")
        })
    }
    if cancelAfter > 0 {
        usleep(UInt32(cancelAfter * 500))
        calls.forEach { $0.cancel() }
    }
    // The request timeout bounds every task; the slack is for a loaded machine.
    outcomes.waitForAll(seconds: options.requestTimeout + 3)
    backend.shutdown()
    _ = backend.status
}
