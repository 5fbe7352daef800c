import Dispatch
import Model

/// A job while the engine runs it: its tokens, how many of them the cache holds, and its block table.
///
/// Engine thread only.
final class SequenceState {
    let id: JobID
    let job: Job
    let submitted: DispatchTime
    let onFinish: Engine.Completion
    let arrivalStep: Int
    var sampler: Sampler

    /// Prompt followed by the generated tokens.
    var tokens: [Int]
    /// Tokens whose keys and values are in the cache: positions 0..<computed.
    var computed: Int
    /// Blocks holding positions 0..<computed (and room for the next rows), in order; one reference each.
    var blockTable: [Int] = []
    var generated: [Int] = []
    var logprobs: [Double] = []
    var scores: [Float] = []
    var metrics = JobMetrics()
    var started = false

    init(_ submission: Engine.Submission, arrivalStep: Int, reused: Int, blockTable: [Int]) {
        id = submission.id
        job = submission.job
        submitted = submission.submitted
        onFinish = submission.onFinish
        self.arrivalStep = arrivalStep
        sampler = submission.job.sampler
        tokens = submission.job.prompt
        computed = reused
        self.blockTable = blockTable
        metrics.promptTokens = job.prompt.count
        metrics.reusedTokens = reused
    }

    var promptCount: Int { job.prompt.count }
    var pendingPromptTokens: Int { max(0, promptCount - computed) }

    /// Positions of the prompt whose outputs the job wants: its last `scoreLast`, or at least the last one when
    /// it generates.
    var wantedOutputs: Int { max(job.scoreLast, job.maxTokens > 0 ? 1 : 0) }

    /// Milliseconds since submission.
    func elapsedMs(_ now: DispatchTime = .now()) -> Double {
        Double(now.uptimeNanoseconds - submitted.uptimeNanoseconds) / 1e6
    }
}
