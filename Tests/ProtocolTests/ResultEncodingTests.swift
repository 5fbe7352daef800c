import JSON
import Tasks
import JSONRPC
import Protocol
import XCTest

/// Results encode to the exact replies the server has always sent: members, order and number forms.
final class ResultEncodingTests: XCTestCase {
    private let metrics = TaskMetrics(promptTokens: 212, reusedTokens: 209, computedTokens: 3, generatedTokens: 9,
                                  queuedMs: 0.304, firstTokenMs: 14.2449, totalMs: 61)
    private let metricsText = #"{"promptTokens":212,"reusedTokens":209,"computedTokens":3,"generatedTokens":9,"#
        + #""queuedMs":0.29999999999999999,"firstTokenMs":14.24,"totalMs":61.0}"#
    private let cursor = Position(line: 3, character: 4)
    private let emptyRangeText = #"{"start":{"line":3,"character":4},"end":{"line":3,"character":4}}"#

    func testMetricsRoundTimesToHundredthsAndKeepCounts() {
        XCTAssertEqual(metrics.json.jsonText, metricsText)
        XCTAssertEqual(TaskMetrics(queuedMs: 0.005, firstTokenMs: 1.234, totalMs: 2.999).json["queuedMs"], .number(0.01))
        XCTAssertEqual(TaskMetrics(firstTokenMs: 1.234).json["firstTokenMs"], .number(1.23))
        XCTAssertEqual(TaskMetrics(totalMs: 2.999).json["totalMs"], .number(3))
    }

    func testMetricsCountedInCharactersSaySoAndTokenCountsKeepTheirShape() {
        var characters = metrics
        characters.promptUnit = .characters
        XCTAssertEqual(characters.json["promptUnit"], "characters")
        XCTAssertEqual(characters.json.jsonText, String(metricsText.dropLast()) + #","promptUnit":"characters"}"#)
        XCTAssertNil(metrics.json["promptUnit"])
    }

    func testInitializeResultAdvertisesWhatGptlsDoes() {
        let result = InitializeResult(capabilities: ServerCapabilities(positionEncoding: .utf16),
                                      serverInfo: ServerInfo(name: "gptls", version: "0.1.0"))
        XCTAssertEqual(result.json.jsonText, #"{"capabilities":{"positionEncoding":"utf-16","#
            + #""textDocumentSync":{"openClose":true,"change":2,"save":{"includeText":false}},"#
            + #""inlineCompletionProvider":true,"completionProvider":{"resolveProvider":false,"triggerCharacters":[]},"#
            + #""executeCommandProvider":{"commands":["gptls.summarize","gptls.classify"]},"#
            + #""codeActionProvider":{"codeActionKinds":["refactor.rewrite"]}},"#
            + #""serverInfo":{"name":"gptls","version":"0.1.0"}}"#)
        XCTAssertEqual(ServerCapabilities(positionEncoding: .utf8).json["positionEncoding"], "utf-8")
    }

    func testShutdownAnswersNull() {
        XCTAssertEqual(NullResult().json, .null)
    }

    func testInlineCompletionIsOneItemAtTheCursorOrNone() {
        let list = InlineCompletionList(text: "return total / count", at: cursor, metrics: metrics)
        XCTAssertEqual(list.json.jsonText, #"{"items":[{"insertText":"return total / count","range":"#
            + emptyRangeText + #"}],"metrics":"# + metricsText + "}")
        XCTAssertEqual(InlineCompletionList(text: nil, at: cursor, metrics: metrics).json.jsonText,
                       #"{"items":[],"metrics":"# + metricsText + "}")
    }

    func testCompletionIsOneItemLabelledWithItsFirstLine() {
        let list = CompletionList(text: "  return x\n    y", at: cursor, metrics: metrics)
        XCTAssertEqual(list.json.jsonText, #"{"isIncomplete":true,"items":[{"label":"return x","kind":1,"#
            + #""detail":"gptls","insertTextFormat":1,"textEdit":{"range":"# + emptyRangeText
            + #","newText":"  return x\n    y"},"data":{"metrics":"# + metricsText + "}}]}")
    }

    func testANewlineFirstCompletionIsLabelledWithItsFirstNonEmptyLine() {
        XCTAssertEqual(CompletionItem(text: "\n\tdone()", at: cursor, metrics: metrics).label, "done()")
        XCTAssertEqual(CompletionItem(text: "", at: cursor, metrics: metrics).label, "")
    }

    func testNoCompletionIsAnEmptyListWithoutMetrics() {
        XCTAssertEqual(CompletionList(text: nil, at: cursor, metrics: metrics).json.jsonText,
                       #"{"isIncomplete":true,"items":[]}"#)
    }

    func testCodeActionsRunTheCommandsOnTheSelection() {
        let selection = Range(start: Position(line: 0, character: 0), end: Position(line: 1, character: 0))
        let target = TaskTarget.document(TextDocumentIdentifier(uri: "file:///a.py"), range: selection)
        let actions = ServerCommand.allCases.map { CodeAction($0, on: target) }
        let argument = #"[{"textDocument":{"uri":"file:///a.py"},"#
            + #""range":{"start":{"line":0,"character":0},"end":{"line":1,"character":0}}}]"#
        XCTAssertEqual(actions.json.jsonText,
                       #"[{"title":"Summarize selection","command":{"title":"Summarize selection","#
                       + #""command":"gptls.summarize","arguments":"# + argument + "}},"
                       + #"{"title":"Classify selection","command":{"title":"Classify selection","#
                       + #""command":"gptls.classify","arguments":"# + argument + "}}]")
        XCTAssertEqual([CodeAction]().json, [])
    }

    func testACodeActionsArgumentDecodesAsItsCommandsParams() throws {
        let target = TaskTarget.document(TextDocumentIdentifier(uri: Decoding.stats), range: Range(at: cursor))
        let request = try Decoding.request(SummarizeRequest.self, CodeAction(.summarize, on: target).command.arguments[0])
        XCTAssertEqual(request.target, target)
        XCTAssertEqual(TaskTarget.text("x").json, ["text": "x"])
    }

    func testSummarizeAndClassifyResults() {
        let summary = SummarizeResult(summary: "Return the mean.", metrics: metrics)
        XCTAssertEqual(summary.json.jsonText, #"{"summary":"Return the mean.","metrics":"# + metricsText + "}")
        let classification = ClassifyResult(label: "python", scores: [
            LabelScore(label: "python", probability: 0.75), LabelScore(label: "swift", probability: 0.25),
        ], metrics: metrics)
        XCTAssertEqual(classification.json.jsonText, #"{"label":"python","scores":[{"label":"python","probability":0.75},"#
            + #"{"label":"swift","probability":0.25}],"metrics":"# + metricsText + "}")
        XCTAssertEqual(ExecuteCommandResult.summarize(summary).json, summary.json)
        XCTAssertEqual(ExecuteCommandResult.classify(classification).json, classification.json)
    }

    func testProbabilitiesAreWrittenUnrounded() {
        XCTAssertEqual(LabelScore(label: "a", probability: 1.0 / 3).json["probability"], .number(1.0 / 3))
    }

    func testStatusCarriesTheBackendsFiguresAsTheyAre() {
        let status = StatusResult(documents: 1, pendingRequests: 0, positionEncoding: .utf16, models: .notLoaded(loading: false))
        XCTAssertEqual(status.json.jsonText,
                       #"{"documents":1,"pendingRequests":0,"positionEncoding":"utf-16","#
                        + #""models":{"loaded":false,"loading":false},"#
                        + #""completionFeedback":{},"completionCache":{"entries":0,"hits":0,"prefetching":0},"#
                        + #""connections":[],"memory":{"residentBytes":0},"backendsLoaded":0}"#)
    }

    func testLoadedModelsReportTheBackendsFiguresAfterLoaded() {
        let cache = CacheStatus(blockSize: 16, capacityBlocks: 64, blocksHeld: 3, blocksInUse: 1, blocksCached: 2,
                                bytesUsed: 3072, hitRate: 0.75, evictions: 0, blocksResident: 3, bytesResident: 3072,
                                weightBytes: 500, weightFormat: "int8")
        let endpoint = EndpointStatus(url: "http://127.0.0.1:8080/v1", model: "m", healthy: false, requests: 2,
                                      failures: 1, lastError: "refused")
        let status = BackendStatus(steps: 5, jobsFinished: 2, activeSequences: 0, promptTokensComputed: 40,
                                   promptTokensReused: 80, tokensGenerated: 9, caches: [cache], endpoints: [endpoint],
                                   cacheBudgetBytes: 65536)
        XCTAssertEqual(ModelsStatus.loaded(status).json.jsonText,
                       #"{"loaded":true,"loading":false,"steps":5,"jobsFinished":2,"activeSequences":0,"#
                        + #""promptTokensComputed":40,"promptTokensReused":80,"tokensGenerated":9,"#
                        + #""cacheBudgetBytes":65536,"caches":[{"blockSize":16,"capacityBlocks":64,"blocksHeld":3,"#
                        + #""blocksInUse":1,"blocksCached":2,"bytesUsed":3072,"hitRate":0.75,"evictions":0,"#
                        + #""blocksResident":3,"bytesResident":3072,"weightBytes":500,"#
                        + #""weightFormat":"int8"}],"endpoints":[{"#
                        + #""url":"http://127.0.0.1:8080/v1","model":"m","healthy":false,"requests":2,"failures":1,"#
                        + #""lastError":"refused"}]}"#)
        XCTAssertEqual(ModelsStatus.failed("no model").json, ["error": "no model"])
        var thirds = cache
        thirds.hitRate = 2.0 / 3
        XCTAssertEqual(thirds.json["hitRate"], .number(0.6667))
    }

    func testFeedbackCountsGiveTheShareOfShownCompletionsThatWereKept() {
        var counts = CompletionFeedbackCounts()
        XCTAssertEqual(counts.json["acceptanceRate"], .null)
        for event in [CompletionFeedbackNotification.Event.shown, .shown, .shown, .accepted] {
            counts.record(CompletionFeedbackNotification(event: event, acceptedCharacters: 4))
        }
        counts.record(CompletionFeedbackNotification(event: .dismissed, acceptedCharacters: 7))
        XCTAssertEqual(counts.json, ["shown": 3, "accepted": 1, "partiallyAccepted": 0, "dismissed": 1,
                                     "acceptedCharacters": 4, "acceptanceRate": .number(0.3333)])

    }
    func testStatusListsConnectionsWithTheirClientNames() {
        let status = StatusResult(documents: 0, pendingRequests: 0, positionEncoding: .utf8, models: .notLoaded(loading: false),
                                  connections: [ConnectionStatus(id: "2", clientName: nil, documents: 3, pendingRequests: 1,
                                                                 current: true)],
                                  residentBytes: 4096, backendsLoaded: 1)
        XCTAssertEqual(status.json["connections"]?.jsonText,
                       #"[{"id":"2","clientName":null,"documents":3,"pendingRequests":1,"current":true}]"#)
        XCTAssertEqual(status.json["memory"]?["residentBytes"], .int(4096))
    }
}
