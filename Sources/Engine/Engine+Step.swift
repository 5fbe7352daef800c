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
        let limit = pacer?.tokenLimit ?? .max
        let scheduled = options.scheduler.schedule(candidates, step: stepNumber, tokenLimit: limit,
                                                   coldLimit: pacer?.coldTokenLimit ?? .max,
                                                   typingNearby: typingNearby(candidates))
        var planned: [(sequence: SequenceState, tokens: Int)] = []
        for row in scheduled {
            guard let sequence = sequences[JobID(rawValue: row.id)],
                  reserveBlocks(for: sequence, upTo: sequence.computed + row.tokens) else { continue }
            planned.append((sequence, row.tokens))
        }
        // Drafts get blocks only after every scheduled row has its own, and tokens only from what the scheduler left
        // of the step's budget and time limit: a draft never costs another row its place or a step its bound.
        var spare = min(options.scheduler.tokenBudget, limit) - planned.reduce(0) { $0 + $1.tokens }
        var rowsByModel: [Int: [(SequenceState, StepRow)]] = [:]
        for (sequence, tokens) in planned {
            var draft = tokens == 1 ? self.draft(for: sequence, limit: spare) : []
            if !draft.isEmpty && !reserveBlocks(for: sequence, upTo: sequence.computed + 1 + draft.count) {
                draft = []
            }
            spare -= draft.count
            rowsByModel[sequence.job.model, default: []].append(
                (sequence, makeRow(sequence, count: tokens, draft: draft)))
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
        let started = options.clock()
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
        let tokens = rowsByModel.values.reduce(0) { $0 + $1.reduce(0) { $0 + $1.1.tokens.count } }
        let rowCount = rowsByModel.values.reduce(0) { $0 + $1.count }
        pacer?.record(tokens: tokens, seconds: Double(options.clock() &- started) / 1e9, plain: tokens == rowCount)
    }

    /// Whether a keystroke's work is among `candidates` or was in a step within the typing window.
    private func typingNearby(_ candidates: [Scheduler.Candidate]) -> Bool {
        let now = options.clock()
        if options.scheduler.hasKeystrokeWork(candidates) { lastTyping = now }
        guard let lastTyping else { return false }
        return Double(now &- lastTyping) / 1e9 < options.typingWindowSeconds
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

    /// The tokens prompt lookup proposes to follow a decoding greedy sequence: at most `limit`, none past its
    /// `maxTokens` or its model's context. Sampled sequences get none: a draft is checked against the argmax.
    private func draft(for sequence: SequenceState, limit: Int) -> [Int] {
        guard let lookup = options.promptLookup, sequence.pendingPromptTokens == 0, !sequence.generated.isEmpty,
              sequence.sampler.parameters.temperature <= 0 else { return [] }
        let context = models[sequence.job.model].contextLength
        // The row's positions run from `computed` to `computed + draft`, each below the context; the model's own
        // token after an accepted draft is one more, so the draft stops one short of `maxTokens`.
        let room = min(limit, context - 1 - sequence.computed,
                       sequence.job.maxTokens - sequence.generated.count - 1)
        return lookup.draft(after: sequence.tokens, limit: room)
    }

    /// The row that computes the next `count` tokens of a sequence, asking for the outputs it will need; a decoding
    /// sequence's row carries `draft` after its last token, with outputs at every position to check it.
    private func makeRow(_ sequence: SequenceState, count: Int, draft: [Int] = []) -> StepRow {
        let start = sequence.computed
        let end = start + count
        guard sequence.pendingPromptTokens > 0 else {
            return StepRow(tokens: [sequence.tokens[start]] + draft, startPosition: start,
                           blockTable: sequence.blockTable,
                           outputs: draft.isEmpty ? .last : .lastPositions(1 + draft.count))
        }
        // The prompt's wanted positions end at the prompt's end, so their overlap with this row is its suffix.
        let firstWanted = sequence.promptCount - sequence.wantedOutputs
        let overlap = end - max(start, firstWanted)
        let outputs: StepRow.Outputs = end <= firstWanted || overlap <= 0 ? .none
            : overlap == 1 ? .last : .lastPositions(overlap)
        return StepRow(tokens: Array(sequence.tokens[start..<end]), startPosition: start,
                       blockTable: sequence.blockTable, outputs: outputs)
    }

    /// Takes in a row's outputs: records scores, picks the next tokens, and ends the sequence when done.
    private func advance(_ sequence: SequenceState, by row: StepRow, output: ArraySlice<Float>) {
        let model = models[sequence.job.model]
        guard sequence.pendingPromptTokens > 0 else { return verify(sequence, by: row, output: output) }
        sequence.computed += row.tokens.count
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
        emit(sequence, logits: output.suffix(model.outputWidth))
    }

    /// Takes in a decoding row: its last token, then any draft. Position i's logits pick the token after
    /// `row.tokens[i]`; while that token equals the draft's next, the draft's keys and values are the ones greedy
    /// decoding would have computed and the check goes on. So the sequence keeps the drafted tokens greedy decoding
    /// agrees with plus the model's own next token, and `computed` stops before the first rejected draft token: its
    /// keys and values are overwritten by the next row and never cached (`BlockPool.cache` takes `computed` tokens).
    private func verify(_ sequence: SequenceState, by row: StepRow, output: ArraySlice<Float>) {
        let width = models[sequence.job.model].outputWidth
        let draft = row.tokens.dropFirst()
        totals.draftedTokens += draft.count
        sequence.metrics.draftedTokens += draft.count
        for position in 0...draft.count {
            sequence.computed += 1
            let logits = output.dropFirst(position * width).prefix(width)
            guard let token = emit(sequence, logits: logits), position < draft.count,
                  token == draft[draft.startIndex + position] else { return }
            totals.acceptedDraftTokens += 1
            sequence.metrics.acceptedDraftTokens += 1
        }
    }

    /// Picks the next token from `logits` and appends it; ends the sequence at a stop, its length or its deadline.
    /// Returns the token when the sequence goes on.
    @discardableResult
    private func emit(_ sequence: SequenceState, logits: ArraySlice<Float>) -> Int? {
        let model = models[sequence.job.model]
        var row = logits
        if sequence.generated.isEmpty, let allowed = sequence.job.firstTokens, !allowed.isEmpty {
            row = Self.restricted(logits, to: allowed)[...]
        }
        let token: Int
        if let copy = sequence.job.copy, sequence.sampler.parameters.temperature <= 0,
           case let continuations = copy.mixture.continuations(of: copy.text + sequence.generated),
           !continuations.isEmpty {
            token = copy.mixture.choose(logits: row, continuations: continuations)
        } else {
            token = sequence.sampler.sample(row)
        }
        if sequence.generated.isEmpty { sequence.metrics.firstTokenMs = sequence.elapsedMs() }
        if sequence.job.stopTokens.contains(token) { finish(sequence, .stop); return nil }
        sequence.generated.append(token)
        sequence.logprobs.append(Sampler.logProbability(of: token, in: logits))
        sequence.tokens.append(token)
        totals.tokensGenerated += 1
        if let stopText = sequence.job.stopText, let decode = sequence.job.decode,
           stopText(decode(sequence.generated)) {
            finish(sequence, .stop)
            return nil
        }
        if sequence.generated.count >= sequence.job.maxTokens || sequence.tokens.count >= model.contextLength + 1 {
            finish(sequence, .length)
            return nil
        }
        if let deadline = sequence.job.deadline, DispatchTime.now() >= deadline {
            finish(sequence, .deadline)
            return nil
        }
        return token
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
