import Engine
import Foundation
import Tasks

/// The engine jobs of one task (a long summary's parts, a classification's labels), cancelled together.
///
/// Threading: any thread. Once cancelled, jobs submitted through it later are refused with `.cancelled`.
final class JobGroup: Cancellable, @unchecked Sendable {
    private let engine: Engine
    private let lock = NSLock()
    private var jobs: Set<JobID> = []
    private var cancelled = false

    init(engine: Engine) {
        self.engine = engine
    }

    /// Cancels every running job of the task; their callbacks report `.cancelled`.
    func cancel() {
        lock.lock()
        cancelled = true
        let running = jobs
        lock.unlock()
        for id in running { engine.cancel(id) }
    }

    /// Submits a job on behalf of the task; failures to submit are reported through `onFinish`.
    func submit(_ job: Job, onFinish: @escaping Engine.Completion) {
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
