import JSON
import JSONRPC
import Tasks
import XCTest
@testable import LanguageServer

/// The `weights` and `threads` settings reach the backend configuration; bad values change nothing.
final class SettingsTests: XCTestCase {
    func testWeightsSettingAcceptsF32AndBF16AndReachesTheModelSelection() throws {
        var settings = Settings()
        XCTAssertEqual(settings.weights, .f32)
        XCTAssertEqual(BackendConfiguration(settings).weights, .f32)
        try settings.merge(["weights": "bf16"])
        XCTAssertEqual(settings.weights, .bf16)
        XCTAssertEqual(BackendConfiguration(settings).weights, .bf16)
        try settings.merge(["maxTokens": 8])
        XCTAssertEqual(settings.weights, .bf16, "absent fields keep their value")
    }

    func testTheCompletionCacheIsOnByDefaultAndTakesOnlyABoolean() throws {
        var settings = Settings()
        XCTAssertTrue(settings.completionCache)
        try settings.merge(["completionCache": false])
        XCTAssertFalse(settings.completionCache)
        XCTAssertThrowsError(try settings.merge(["completionCache": "no"])) { error in
            XCTAssertEqual((error as? ResponseError)?.message, "settings.completionCache must be true or false, not \"no\"")
        }
        XCTAssertFalse(settings.completionCache)
    }

    func testWeightsSettingAcceptsInt8() throws {
        var settings = Settings()
        try settings.merge(["weights": "int8"])
        XCTAssertEqual(BackendConfiguration(settings).weights, .int8)
    }

    func testUnknownWeightFormatIsRejectedAndChangesNothing() {
        var settings = Settings()
        XCTAssertThrowsError(try settings.merge(["weights": "f16", "maxTokens": 8])) { error in
            let response = error as? ResponseError
            XCTAssertEqual(response?.code, .invalidParams)
            XCTAssertTrue(response?.message.contains("settings.weights") ?? false, response?.message ?? "")
        }
        XCTAssertEqual(settings, Settings())
    }

    func testThreadsSettingTakesACountOrNullAndReachesTheBackendConfiguration() throws {
        var settings = Settings()
        XCTAssertNil(BackendConfiguration(settings).threads, "by default the backend uses the CPUs it may use")
        try settings.merge(["threads": 1])
        XCTAssertEqual(BackendConfiguration(settings).threads, 1)
        try settings.merge(["threads": .null])
        XCTAssertNil(settings.threads)
        for bad: JSONValue in [0, -2, 5000, "two"] {
            XCTAssertThrowsError(try settings.merge(["threads": bad]), "\(bad.jsonText)")
        }
    }

    func testCacheBudgetIsOneTotalOrNullForTheScaledDefault() throws {
        var settings = Settings()
        XCTAssertNil(BackendConfiguration(settings).cacheBudgetMB, "by default the budget is scaled to the models")
        try settings.merge(["cacheBudgetMB": 96])
        XCTAssertEqual(BackendConfiguration(settings).cacheBudgetMB, 96)
        try settings.merge(["cacheBudgetMB": .null])
        XCTAssertNil(settings.cacheBudgetMB)
        XCTAssertThrowsError(try settings.merge(["cacheBudgetMB": 0]))
        XCTAssertEqual(BackendConfiguration.defaultCacheBudgetBytes(weightBytes: 40 << 20), 64 << 20)
        XCTAssertEqual(BackendConfiguration.defaultCacheBudgetBytes(weightBytes: 500 << 20), 250 << 20)
    }

    func testACacheBudgetBeyondHalfTheMachinesMemoryIsCutToIt() {
        let sixteenGiB: UInt64 = 16 << 30
        let largest = BackendConfiguration(cacheBudgetMB: 65536)
        XCTAssertEqual(largest.cacheBudgetBytes(weightBytes: 0, physicalMemory: sixteenGiB), 8 << 30)
        XCTAssertEqual(BackendConfiguration(cacheBudgetMB: 96).cacheBudgetBytes(weightBytes: 0, physicalMemory: sixteenGiB),
                       96 << 20, "a budget that fits is the setting's")
        XCTAssertEqual(BackendConfiguration().cacheBudgetBytes(weightBytes: 500 << 20, physicalMemory: sixteenGiB),
                       250 << 20, "no setting: the default")
        XCTAssertEqual(BackendConfiguration().cacheBudgetBytes(weightBytes: 500 << 20, physicalMemory: 256 << 20),
                       128 << 20, "the default is cut too")
    }

    func testEndpointSettingsInAnyOrderReachTheBackendConfigurationAndNullClearsThem() throws {
        var settings = Settings()
        XCTAssertNil(BackendConfiguration(settings).endpoint)
        try settings.merge(["endpointModel": "sft", "endpoint": "http://gpu:8000/v1", "endpointApiKeyEnv": "KEY"])
        XCTAssertEqual(BackendConfiguration(settings).endpoint,
                       EndpointConfiguration(url: "http://gpu:8000/v1", model: "sft", apiKeyVariable: "KEY"))
        try settings.merge(["endpoint": .null])
        XCTAssertNil(BackendConfiguration(settings).endpoint)
    }

    func testAnEndpointWithoutAModelLeavesTheModelToTheEngineAndKeepsOneNamedBefore() throws {
        var settings = Settings()
        try settings.merge(["endpoint": "http://gpu:8000/v1"])
        XCTAssertEqual(BackendConfiguration(settings).endpoint,
                       EndpointConfiguration(url: "http://gpu:8000/v1", model: nil))
        try settings.merge(["endpointModel": "sft"])
        try settings.merge(["endpoint": "http://other:8000/v1"])
        XCTAssertEqual(settings.endpoint?.model, "sft", "a message without endpointModel keeps the one set before")
        try settings.merge(["endpointModel": .null])
        XCTAssertEqual(settings.endpoint, EndpointConfiguration(url: "http://other:8000/v1", model: nil))
    }

    func testPerTaskModelsReachTheirTasksAndAnUnknownTaskIsRejectedNamingTheTasks() throws {
        var settings = Settings()
        try settings.merge(["model": "/models/all", "models": ["summarize": "/models/summary"]])
        let configuration = BackendConfiguration(settings)
        XCTAssertEqual(configuration.models, [.completion: "/models/all", .summarize: "/models/summary",
                                              .classify: "/models/all"])
        XCTAssertThrowsError(try settings.merge(["models": ["translate": "/models/t"]])) { error in
            let response = error as? ResponseError
            XCTAssertEqual(response?.code, .invalidParams)
            XCTAssertEqual(response?.message,
                           "settings.models.translate: unknown task; use completion, summarize or classify")
        }
    }
}
