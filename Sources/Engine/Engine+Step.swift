import Dispatch

extension Engine {
    /// Takes a submitted job into the running set: supersedes its predecessor, then reuses its longest cached prefix.
    func admit(_ submission: Submission) {
        let job = submission.job
        if let key = job.supersedeKey {
            for (id, sequence) in sequences where sequence.job.supersedeKey == key {
                end(id, .failure(.superseded))
            }
        }
        let pool = blockPools[job.model]
        // Positions whose outputs the job needs must be computed, and at least the last prompt token always is.
        let wanted = max(1, job.scoreLast, job.maxTokens > 0 ? 1 : 0)
        let reusable = options.prefixCaching ? Array(job.prompt.prefix(max(0, job.prompt.count - wanted))) : []
        let match = pool.match(reusable)
        var table = match.blocks
        var reused = match.blocks.count * pool.blockSize
        if let copy = match.copy {
            // Copy now, while the source is certainly still cached; later allocations could evict it.
            if let block = pool.allocate(keeping: copy.block) {
                models[job.model].copyBlock(from: copy.block, to: block, positions: copy.tokens)
                table.append(block)
                reused += copy.tokens
            }
        }
        let sequence = SequenceState(submission, arrivalStep: stepNumber, reused: reused, blockTable: table)
        sequences[submission.id] = sequence
        totals.promptTokensReused += reused
    }

    /// One engine step: schedule rows, give them blocks, run one forward pass per model, then sample and finish.
    func step() {
        expireDeadlines()
        let candidates = sequences.values.map {
            Scheduler.Candidate(id: $0.id.rawValue, priority: $0.job.priority, arrivalStep: $0.arrivalStep,
                                  pendingPromptTokens: $0.pendingPromptTokens, owner: $0.job.owner)
        }
        let scheduled = options.scheduler.schedule(candidates, step: stepNumber)
        var rowsByModel: [Int: [(SequenceState, StepRow)]] = [:]
        for row in scheduled {
            guard let sequence = sequences[JobID(rawValue: row.id)] else { continue }
            guard reserveBlocks(for: sequence, upTo: sequence.computed + row.tokens) else { continue }
            rowsByModel[sequence.job.model, default: []].append((sequence, makeRow(sequence, count: row.tokens)))
        }
        if rowsByModel.isEmpty {
            // Every runnable sequence waits for blocks that only running sequences hold: give up the newest.
            if let newest = sequences.values.max(by: { $0.arrivalStep < $1.arrivalStep }) {
                let pool = blockPools[newest.job.model]
                end(newest.id, .failure(.tooLargeForCache(blocksNeeded: newest.blockTable.count + 1,
                                                          capacity: pool.capacity)))
            }
            return
        }
        stepNumber += 1
        totals.steps += 1
        let now = DispatchTime.now()
        for (model, rows) in rowsByModel.sorted(by: { $0.key < $1.key }) {
            for (sequence, _) in rows where !sequence.started {
                sequence.started = true
                sequence.metrics.queuedMs = sequence.elapsedMs(now)
            }
            let outputs: [ArraySlice<Float>]
            do {
                outputs = try models[model].forward(rows.map(\.1))
            } catch {
                for (sequence, _) in rows { end(sequence.id, .failure(.modelFailed("\(error)"))) }
                continue
            }
            for ((sequence, row), output) in zip(rows, outputs) {
                advance(sequence, by: row, output: output)
            }
        }
    }

    /// Makes sure the sequence's block table covers positions 0..<end; false when the pool cannot supply them now.
    private func reserveBlocks(for sequence: SequenceState, upTo end: Int) -> Bool {
        let pool = blockPools[sequence.job.model]
        while sequence.blockTable.count * pool.blockSize < end {
            guard let block = pool.allocate() else { return false }
            sequence.blockTable.append(block)
        }
        return true
    }

    /// The row that computes the next `count` tokens of a sequence, asking for the outputs it will need.
    private func makeRow(_ sequence: SequenceState, count: Int) -> StepRow {
        let start = sequence.computed
        let end = start + count
        let outputs: StepRow.Outputs
        if sequence.pendingPromptTokens == 0 {
            outputs = .last
        } else {
            // The prompt's wanted positions end at the prompt's end, so their overlap with this row is its suffix.
            let firstWanted = sequence.promptCount - sequence.wantedOutputs
            let overlap = end - max(start, firstWanted)
            outputs = end <= firstWanted || overlap <= 0 ? .none : overlap == 1 ? .last : .lastPositions(overlap)
        }
        return StepRow(tokens: Array(sequence.tokens[start..<end]), startPosition: start,
                       blockTable: sequence.blockTable, outputs: outputs)
    }

    /// Takes in a row's outputs: records scores, samples the next token, and ends the sequence when done.
    private func advance(_ sequence: SequenceState, by row: StepRow, output: ArraySlice<Float>) {
        let model = models[sequence.job.model]
        let wasPrefill = sequence.pendingPromptTokens > 0
        sequence.computed += row.tokens.count
        if wasPrefill {
            sequence.metrics.computedTokens += row.tokens.count
            totals.promptTokensComputed += row.tokens.count
            if sequence.job.scoreLast > 0 { sequence.scores.append(contentsOf: output) }
            guard sequence.pendingPromptTokens == 0 else { return }
            // The prompt is complete: share its blocks with prompts that arrive from now on.
            blockPools[sequence.job.model].cache(tokens: Array(sequence.tokens[..<sequence.computed]),
                                                 blockTable: sequence.blockTable)
            if sequence.job.scoreLast > 0 {
                let keep = sequence.job.scoreLast * model.outputWidth
                sequence.scores = Array(sequence.scores.suffix(keep))
            }
            guard sequence.job.maxTokens > 0 else {
                sequence.metrics.firstTokenMs = sequence.elapsedMs()
                return finish(sequence, .length)
            }
        }
        let logits = output.suffix(model.outputWidth)
        let token: Int
        if sequence.generated.isEmpty, let allowed = sequence.job.firstTokens, !allowed.isEmpty {
            token = sequence.sampler.sample(Self.restricted(logits, to: allowed))
        } else {
            token = sequence.sampler.sample(logits)
        }
        if sequence.generated.isEmpty { sequence.metrics.firstTokenMs = sequence.elapsedMs() }
        if sequence.job.stopTokens.contains(token) { return finish(sequence, .stop) }
        sequence.generated.append(token)
        sequence.logprobs.append(Sampler.logProbability(of: token, in: logits))
        sequence.tokens.append(token)
        totals.tokensGenerated += 1
        if let stopText = sequence.job.stopText, let decode = sequence.job.decode,
           stopText(decode(sequence.generated)) {
            return finish(sequence, .stop)
        }
        if sequence.generated.count >= sequence.job.maxTokens || sequence.tokens.count >= model.contextLength + 1 {
            return finish(sequence, .length)
        }
        if let deadline = sequence.job.deadline, DispatchTime.now() >= deadline {
            return finish(sequence, .deadline)
        }
    }

    /// The logits with every token outside `allowed` set to minus infinity, so no sampler can pick it.
    static func restricted(_ logits: ArraySlice<Float>, to allowed: [Int]) -> [Float] {
        var masked = [Float](repeating: -.infinity, count: logits.count)
        for token in allowed where token < logits.count { masked[token] = logits[logits.startIndex + token] }
        return masked
    }

    /// Ends sequences whose deadline passed before they produced anything more.
    private func expireDeadlines() {
        let now = DispatchTime.now()
        for sequence in sequences.values {
            if let deadline = sequence.job.deadline, now >= deadline { finish(sequence, .deadline) }
        }
    }

    private func finish(_ sequence: SequenceState, _ reason: FinishReason) {
        sequence.metrics.generatedTokens = sequence.generated.count
        end(sequence.id, .success(JobResult(tokens: sequence.generated, logprobs: sequence.logprobs,
                                            scores: sequence.scores, finishReason: reason, metrics: sequence.metrics)))
    }

    /// Removes a sequence: its computed blocks stay cached for later prompts, its references are dropped, and its
    /// callback runs.
    func end(_ id: JobID, _ result: Result<JobResult, EngineError>) {
        guard let sequence = sequences.removeValue(forKey: id) else { return }
        let pool = blockPools[sequence.job.model]
        pool.cache(tokens: Array(sequence.tokens[..<sequence.computed]), blockTable: sequence.blockTable)
        pool.free(sequence.blockTable)
        totals.jobsFinished += 1
        jobDone(sequence.job)
        publish()
        var result = result
        if case .success(var value) = result {
            value.metrics.totalMs = sequence.elapsedMs()
            result = .success(value)
        }
        sequence.onFinish(result)
    }
}
