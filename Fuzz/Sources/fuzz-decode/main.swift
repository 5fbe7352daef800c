import FuzzSupport
import JSON
import JSONRPC
import Protocol

// Message decoding: a frame's body becomes a `Message` or an `InvalidMessage`; a request or notification is then
// decoded into its typed form or a `ResponseError`, as the server does at its edge (the document it needs first).
// A decoded message encodes to a body that decodes to the same message.

Fuzzer.run { data in
    let message: Message
    do {
        message = try Message(body: Array(data))
    } catch {
        _ = "\(error)"
        return
    }
    switch message {
    case .request(_, let method, let params):
        _ = ClientRequest.requiredDocument(method: method, params: params)
        do {
            let request = try ClientRequest(method: method, params: params)
            guard request.method == method else { Fuzzer.fail("\(method) decoded as \(request.method)") }
        } catch {
            _ = "\(error)"
        }
    case .notification(let method, let params):
        _ = ClientNotification.requiredDocument(method: method, params: params)
        do {
            _ = try ClientNotification(method: method, params: params)
        } catch {
            _ = "\(error)"
        }
    case .response:
        break
    }
    guard let again = try? Message(body: message.serialize()), again == message else {
        Fuzzer.fail("message did not survive encoding: \(message.json.jsonText)")
    }
}
