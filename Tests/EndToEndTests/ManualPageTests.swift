import Foundation
import JSON
import XCTest

/// docs/gptls.1 (made by scripts/generate/manual, installed by scripts/install) describes the binary as built: every
/// subcommand and every long option the binary has is in it, and it names none the binary lacks.
final class ManualPageTests: XCTestCase {
    func testTheManualPageNamesEveryCommandAndOptionTheBinaryHas() throws {
        let page = try String(contentsOf: Binary.repository.appendingPathComponent("docs/gptls.1"), encoding: .utf8)
        let dump = try Binary.run(["--experimental-dump-help"])
        XCTAssertEqual(dump.code, 0, dump.stderr)
        let command = try XCTUnwrap(try JSONValue.parse(dump.stdout)["command"])
        var binaryOptions = Set<String>()
        func collect(_ command: JSONValue) {
            for argument in command["arguments"]?.array ?? [] where argument["shouldDisplay"] != false {
                for name in argument["names"]?.array ?? [] where name["kind"]?.string == "long" {
                    if let text = name["name"]?.string { binaryOptions.insert(text) }
                }
            }
            for sub in command["subcommands"]?.array ?? [] { collect(sub) }
        }
        collect(command)
        for sub in command["subcommands"]?.array ?? [] {
            let name = try XCTUnwrap(sub["commandName"]?.string)
            XCTAssertTrue(page.contains(".It Em \(name)\n"), "docs/gptls.1 lacks the command \(name); run scripts/generate/manual")
        }
        let pattern = try NSRegularExpression(pattern: #"Fl -([a-z0-9-]+)"#)
        let text = page as NSString
        let pageOptions = Set(pattern.matches(in: page, range: NSRange(location: 0, length: text.length))
            .map { text.substring(with: $0.range(at: 1)) })
        XCTAssertGreaterThan(binaryOptions.count, 10)
        XCTAssertEqual(binaryOptions.subtracting(pageOptions), [], "options missing from docs/gptls.1; run scripts/generate/manual")
        XCTAssertEqual(pageOptions.subtracting(binaryOptions), [], "docs/gptls.1 names options gptls lacks; run scripts/generate/manual")
    }
}
