import Foundation

/// Cancels a task that may consist of several engine jobs (a long summary's pieces, a classification's labels).
///
/// Threading: any thread. Once cancelled, jobs submitted through it later are refused with `.cancelled`.
public final class TaskHandle: @unchecked Sendable {
    private let engine: Engine
    private let lock = NSLock()
    private var jobs: Set<JobID> = []
    private var cancelled = false

    init(engine: Engine) {
        self.engine = engine
    }

    /// Cancels every running job of the task; their callbacks report `.cancelled`.
    public func cancel() {
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
