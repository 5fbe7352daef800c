import JSON
import JSONRPC
import Tasks
import XCTest
@testable import LanguageServer

/// The `weights` setting selects how models hold their matrices, and reaches the model selection.
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

    func testUnknownWeightFormatIsRejectedAndChangesNothing() {
        var settings = Settings()
        XCTAssertThrowsError(try settings.merge(["weights": "f16", "maxTokens": 8])) { error in
            let response = error as? ResponseError
            XCTAssertEqual(response?.code, .invalidParams)
            XCTAssertTrue(response?.message.contains("settings.weights") ?? false, response?.message ?? "")
        }
        XCTAssertEqual(settings, Settings())
    }
}
