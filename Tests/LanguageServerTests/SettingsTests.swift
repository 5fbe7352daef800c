import JSON
import JSONRPC
import Tasks
import XCTest
@testable import LanguageServer

/// The `weights` and `threads` settings reach the backend configuration; bad values change nothing.
final class SettingsTests: XCTestCase {
    func testWeightsSettingAcceptsF32AndBF16AndReachesTheModelSelection() throws {
        var settings = Settings()
        XCTAssertNil(settings.weights, "by default each model's file picks (ModelFile.defaultWeightFormat)")
        XCTAssertNil(BackendConfiguration(settings).weights)
        try settings.merge(["weights": "f32"])
        XCTAssertEqual(settings.weights, .f32)
        XCTAssertEqual(BackendConfiguration(settings).weights, .f32)
        try settings.merge(["maxTokens": 8])
        XCTAssertEqual(settings.weights, .f32, "absent fields keep their value")
        try settings.merge(["weights": "bf16"])
        XCTAssertEqual(BackendConfiguration(settings).weights, .bf16)
        try settings.merge(["weights": .null])
        XCTAssertNil(settings.weights, "null goes back to the default")
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

    func testTheCopyWeightIsANumberFromZeroToOne() throws {
        var settings = Settings()
        XCTAssertEqual(settings.copyWeight, 0.4)
        try settings.merge(["copyWeight": 0])
        XCTAssertEqual(settings.copyWeight, 0)
        XCTAssertThrowsError(try settings.merge(["copyWeight": 1.5])) { error in
            XCTAssertEqual((error as? ResponseError)?.message, "settings.copyWeight must be a number in 0...1, not 1.5")
        }
        XCTAssertEqual(settings.copyWeight, 0)
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
        try settings.merge(["endpointModel": "sft", "endpoint": "http://127.0.0.1:8000/v1"])
        XCTAssertEqual(BackendConfiguration(settings).endpoint,
                       EndpointConfiguration(url: "http://127.0.0.1:8000/v1", model: "sft"))
        try settings.merge(["endpoint": .null])
        XCTAssertNil(BackendConfiguration(settings).endpoint)
    }

    func testAnEndpointWithoutAModelLeavesTheModelToTheEngineAndKeepsOneNamedBefore() throws {
        var settings = Settings()
        settings.endpointPolicy = EndpointPolicy(allowing: ["http://gpu:8000", "http://other:8000/v1"])
        try settings.merge(["endpoint": "http://gpu:8000/v1"])
        XCTAssertEqual(BackendConfiguration(settings).endpoint,
                       EndpointConfiguration(url: "http://gpu:8000/v1", model: nil))
        try settings.merge(["endpointModel": "sft"])
        try settings.merge(["endpoint": "http://other:8000/v1"])
        XCTAssertEqual(settings.endpoint?.model, "sft", "a message without endpointModel keeps the one set before")
        try settings.merge(["endpointModel": .null])
        XCTAssertEqual(settings.endpoint, EndpointConfiguration(url: "http://other:8000/v1", model: nil))
    }

    private func assertRefused(_ json: JSONValue, _ settings: Settings, setting: String, mentions needle: String,
                               file: StaticString = #filePath, line: UInt = #line) {
        var changed = settings
        XCTAssertThrowsError(try changed.merge(json), file: file, line: line) { error in
            let response = error as? ResponseError
            XCTAssertEqual(response?.code, .invalidParams, file: file, line: line)
            XCTAssertEqual(response?.data?["reason"]?.string, "untrustedSetting", file: file, line: line)
            XCTAssertEqual(response?.data?["setting"]?.string, setting, file: file, line: line)
            XCTAssertTrue(response?.message.contains(needle) == true, "\(error)", file: file, line: line)
        }
        XCTAssertEqual(changed, settings, "a refused message changes nothing", file: file, line: line)
    }

    func testAnEndpointOffThisMachineIsRefusedUnlessTheCommandLineAllowedIt() throws {
        var settings = Settings()
        for url in ["http://attacker.example/v1", "https://10.0.0.8:8000/v1", "http://127.0.0.1.evil.example/v1",
                    "file:///etc/passwd", "http://[::2]:80/v1"] {
            assertRefused(["endpoint": .string(url)], settings, setting: "endpoint", mentions: "--allow-endpoint")
        }
        for url in ["http://127.0.0.1:8080/v1", "http://localhost:8000/v1", "http://[::1]:8000/v1", "http://127.1.2.3/v1"] {
            XCTAssertNoThrow(try settings.merge(["endpoint": .string(url)]), url)
        }
        settings.endpointPolicy = EndpointPolicy(commandLine: nil, model: nil, allowing: ["https://gpu.example:8443/v1"])
        XCTAssertNoThrow(try settings.merge(["endpoint": "https://gpu.example:8443/other/v1"]), "the same origin")
        assertRefused(["endpoint": "https://gpu.example:9999/v1"], settings, setting: "endpoint",
                      mentions: "loopback")
    }

    func testAnAPIKeyVariableFromSettingsIsRefusedWhateverTheEndpoint() throws {
        let settings = Settings()
        assertRefused(["endpoint": "http://127.0.0.1:8000/v1", "endpointApiKeyEnv": "SECRET_TOKEN_FOR_TEST"], settings,
                      setting: "endpointApiKeyEnv", mentions: "--endpoint-api-key-env")
        var cleared = settings
        XCTAssertNoThrow(try cleared.merge(["endpointApiKeyEnv": .null]), "null asks for no key: nothing to refuse")
    }

    func testTheCommandLinesKeyVariableGoesOnlyToTheURLItWasGivenFor() throws {
        var settings = Settings()
        let trusted = EndpointConfiguration(url: "https://gpu.example/v1", apiKeyVariable: "GPU_KEY")
        settings.endpoint = trusted
        settings.endpointPolicy = EndpointPolicy(commandLine: trusted, model: nil, allowing: [])
        try settings.merge(["endpoint": "http://127.0.0.1:8000/v1"])
        XCTAssertNil(settings.endpoint?.apiKeyVariable, "another URL never gets the key")
        try settings.merge(["endpoint": "https://gpu.example/v1"])
        XCTAssertEqual(settings.endpoint?.apiKeyVariable, "GPU_KEY", "the command line's own URL keeps its key")
    }

    func testAManifestNamedInSettingsMayNotSendTasksOffThisMachineNorNameAKeyVariable() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gptls-trust-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        func write(_ entry: String) throws {
            try Data(#"{"format": "gptls-manifest-1", "tasks": {"completion": \#(entry)}}"#.utf8)
                .write(to: directory.appendingPathComponent("manifest.json"))
        }
        var settings = Settings()
        try settings.merge(["model": .string(directory.path)])
        try write(#"{"endpoint": "http://attacker.example/v1", "model": "m"}"#)
        XCTAssertThrowsError(try BackendConfiguration(settings).placements()) { error in
            XCTAssertTrue("\(error)".contains("refused to use http://attacker.example/v1"), "\(error)")
        }
        try write(#"{"endpoint": "http://127.0.0.1:9/v1", "model": "m", "api_key_env": "SECRET_TOKEN_FOR_TEST"}"#)
        XCTAssertThrowsError(try BackendConfiguration(settings).placements()) { error in
            XCTAssertTrue("\(error)".contains("api_key_env SECRET_TOKEN_FOR_TEST"), "\(error)")
        }
        try write(#"{"endpoint": "http://127.0.0.1:9/v1", "model": "m"}"#)
        XCTAssertEqual(try BackendConfiguration(settings).placements()[.completion],
                       .remote(EndpointConfiguration(url: "http://127.0.0.1:9/v1", model: "m")))
        // The same manifest named on the command line is the user's own: any endpoint, and its key variable.
        try write(#"{"endpoint": "http://gpu.example/v1", "model": "m", "api_key_env": "GPU_KEY"}"#)
        settings.endpointPolicy = EndpointPolicy(commandLine: nil, model: directory.path, allowing: [])
        XCTAssertEqual(try BackendConfiguration(settings).placements()[.completion],
                       .remote(EndpointConfiguration(url: "http://gpu.example/v1", model: "m", apiKeyVariable: "GPU_KEY")))
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
