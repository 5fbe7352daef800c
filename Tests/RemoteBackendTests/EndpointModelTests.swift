import Foundation
import Tasks
import XCTest
@testable import RemoteBackend

/// An endpoint configured without a model name uses the engine's only model, asked with `GET /models`; an engine
/// that serves several, none, or cannot be asked is refused with an error that says how to name the model.
final class EndpointModelTests: XCTestCase {
    private var server: ScriptedHTTPServer?

    override func tearDown() { server?.stop() }

    /// A server whose `/v1/models` answers `status` with `body`.
    private func serve(_ body: String, status: Int = 200) throws -> String {
        let server = try ScriptedHTTPServer { $0.reply(status: status, body) }
        self.server = server
        return server.url
    }

    private func list(_ ids: [String]) -> String {
        #"{"object":"list","data":["# + ids.map { #"{"id":"\#($0)","object":"model"}"# }.joined(separator: ",") + "]}"
    }

    func testTheEnginesOnlyModelIsUsedAndTheKeyIsSentWithTheQuestion() throws {
        let url = try serve(list(["book-sft"]))
        let endpoint = try RemoteEndpoint(EndpointConfiguration(url: url, apiKeyVariable: "KEY"),
                                          environment: ["KEY": "secret"])
        XCTAssertEqual(endpoint.model, "book-sft")
        XCTAssertEqual(endpoint.apiKey, "secret")
        let request = try XCTUnwrap(server?.requests.first)
        XCTAssertTrue(request.hasPrefix("GET /v1/models "), request)
        XCTAssertTrue(request.lowercased().contains("authorization: bearer secret"), request)
    }

    func testANamedModelIsUsedWithoutAskingTheEngine() throws {
        let url = try serve(list(["a", "b"]))
        XCTAssertEqual(try RemoteEndpoint(EndpointConfiguration(url: url, model: "b")).model, "b")
        XCTAssertEqual(server?.requests, [])
    }

    func testSeveralModelsAreRefusedListingThemAndNamingTheWaysToPickOne() throws {
        let url = try serve(list(["a", "b"]))
        XCTAssertThrowsError(try RemoteEndpoint(EndpointConfiguration(url: url))) { error in
            XCTAssertEqual(error as? RemoteEndpointError, .severalModels(url: url, models: ["a", "b"]))
            let message = "\(error)"
            XCTAssertTrue(message.contains("serves several models (a, b)"), message)
            XCTAssertTrue(message.contains("--endpoint-model NAME") && message.contains("endpointModel"), message)
        }
    }

    func testNoModelIsRefused() throws {
        let url = try serve(list([]))
        XCTAssertThrowsError(try RemoteEndpoint(EndpointConfiguration(url: url))) { error in
            XCTAssertEqual(error as? RemoteEndpointError, .noModelServed(url: url))
        }
    }

    func testAnEngineThatCannotBeAskedIsAClearError() throws {
        let refused = try serve(#"{"error":{"message":"invalid API key"}}"#, status: 401)
        XCTAssertThrowsError(try RemoteEndpoint(EndpointConfiguration(url: refused))) { error in
            guard case .modelsUnavailable(let url, let cause) = error as? RemoteEndpointError else {
                return XCTFail("\(error)")
            }
            XCTAssertEqual(url, refused)
            XCTAssertTrue(cause.contains("HTTP status 401") && cause.contains("invalid API key"), cause)
            XCTAssertTrue("\(error)".contains("--endpoint-model NAME"), "\(error)")
        }
        server?.stop()
        // Nothing listens there any more.
        let started = Date()
        XCTAssertThrowsError(try RemoteEndpoint(EndpointConfiguration(url: refused))) { error in
            guard case .modelsUnavailable(_, let cause) = error as? RemoteEndpointError else {
                return XCTFail("\(error)")
            }
            XCTAssertTrue(cause.contains("connection"), cause)
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 5, "a refused connection fails at once")
        let garbled = try serve("<html>not a list</html>")
        XCTAssertThrowsError(try RemoteEndpoint(EndpointConfiguration(url: garbled))) { error in
            XCTAssertTrue("\(error)".contains("not JSON"), "\(error)")
        }
    }
}
