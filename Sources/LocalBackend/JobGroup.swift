import Engine
import Foundation
import Tasks

/// The engine jobs of one generator request (a continuation; a scoring's shared prompt and its continuations),
/// cancelled together.
///
/// Threading: any thread. Once cancelled, jobs submitted through it later are refused with `.cancelled`.
final class JobGroup: Cancellable, @unchecked Sendable {
    private let engine: Engine
    /// The client every job of the request is run for (the engine's fair share between owners).
    private let owner: String
    private let lock = NSLock()
    private var jobs: Set<JobID> = []
    private var cancelled = false

    init(engine: Engine, owner: String) {
        self.engine = engine
        self.owner = owner
    }

    /// Cancels every running job of the request; their callbacks report `.cancelled`.
    func cancel() {
        lock.lock()
        cancelled = true
        let running = jobs
        lock.unlock()
        for id in running { engine.cancel(id) }
    }

    /// Submits a job on behalf of the request; failures to submit are reported through `onFinish`.
    func submit(_ job: Job, onFinish: @escaping Engine.Completion) {
        var job = job
        job.owner = owner
        lock.lock()
        guard !cancelled else {
            lock.unlock()
            return onFinish(.failure(.cancelled))
        }
        do {
            jobs.insert(try engine.submit(job, onFinish: onFinish))
            lock.unlock()
        } catch {
            lock.unlock()
            onFinish(.failure(error))
        }
    }
}
