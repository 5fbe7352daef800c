import JSON
import JSONRPC
import Protocol
import XCTest

/// `initialize` params: read leniently, settings left for the server to validate.
final class InitializeRequestTests: XCTestCase {
    func testTheTranscriptsInitializeDecodes() throws {
        let request = try Decoding.request(InitializeRequest.self, [
            "processId": nil, "capabilities": ["general": ["positionEncodings": ["utf-16", "utf-8"]]],
        ])
        XCTAssertNil(request.processId)
        XCTAssertEqual(request.positionEncodings, ["utf-16", "utf-8"])
        XCTAssertNil(request.initializationOptions)
        XCTAssertNil(request.settings)
    }

    func testParamsMustBeAnObject() {
        for params: JSONValue? in [nil, [1], "x"] {
            let error = Decoding.error { () throws(ResponseError) in try Decoding.request(InitializeRequest.self, params) }
            XCTAssertEqual(error, ResponseError(.invalidParams, "initialize: params must be an object"))
        }
    }

    func testMembersOfTheWrongTypeReadAsAbsent() throws {
        let request = try Decoding.request(InitializeRequest.self, [
            "processId": "1234", "capabilities": ["general": ["positionEncodings": ["utf-32", 8]]],
        ])
        XCTAssertNil(request.processId)
        XCTAssertEqual(request.positionEncodings, ["utf-32"])
        XCTAssertEqual(try Decoding.request(InitializeRequest.self, ["processId": 4321]).processId, 4321)
    }

    func testTheSettingsAreTheGptlsSectionOrTheOptionsThemselves() throws {
        let flat = try Decoding.request(InitializeRequest.self, ["initializationOptions": ["maxTokens": 8]])
        XCTAssertEqual(flat.settings, ["maxTokens": 8])
        let nested = try Decoding.request(InitializeRequest.self,
                                          ["initializationOptions": ["gptls": ["maxTokens": 8], "other": 1]])
        XCTAssertEqual(nested.settings, ["maxTokens": 8])
        XCTAssertNil(try Decoding.request(InitializeRequest.self, ["initializationOptions": nil]).settings)
        let odd = try Decoding.request(InitializeRequest.self, ["initializationOptions": "fast"])
        XCTAssertEqual(odd.settings, "fast", "left for the settings to refuse, naming its type")
    }

    func testConfigurationChangesFindTheirSettingsTheSameWay() throws {
        func settings(_ params: JSONValue) throws -> JSONValue? {
            try Decoding.notification(DidChangeConfigurationNotification.self, params).settings
        }
        XCTAssertEqual(try settings(["settings": ["gptls": ["weights": "bf16"]]]), ["weights": "bf16"])
        XCTAssertEqual(try settings(["settings": ["weights": "bf16"]]), ["weights": "bf16"])
        XCTAssertNil(try settings(["settings": nil]))
        XCTAssertNil(try settings([:]))
        let error = Decoding.error { () throws(ResponseError) in
            try Decoding.notification(DidChangeConfigurationNotification.self, [1])
        }
        XCTAssertEqual(error, ResponseError(.invalidParams, "workspace/didChangeConfiguration: params must be an object"))
    }

    func testPositionEncodingPrefersUTF8ThenTheClientsOrder() {
        XCTAssertEqual(PositionEncoding.negotiate(clientOffers: nil), .utf16)
        XCTAssertEqual(PositionEncoding.negotiate(clientOffers: []), .utf16)
        XCTAssertEqual(PositionEncoding.negotiate(clientOffers: ["utf-16", "utf-8"]), .utf8)
        XCTAssertEqual(PositionEncoding.negotiate(clientOffers: ["utf-32", "utf-16"]), .utf32)
        XCTAssertEqual(PositionEncoding.negotiate(clientOffers: ["ebcdic"]), .utf16)
    }
}
