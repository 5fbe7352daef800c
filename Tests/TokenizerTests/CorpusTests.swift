import Foundation
import Tokenizer
import XCTest

/// Ids identical to tiktoken's `gpt2` on the committed torture file, the-verdict, and the >= 5 MB corpus rebuilt
/// from files on this machine (training/tokenizer/make_reference.py wrote the expected ids' block hashes).
final class CorpusTests: XCTestCase {
    func testTortureFileIdsAreTiktokens() throws {
        let tokenizer = try BPETokenizer.gpt2()
        let text = try Fixtures.text("torture.txt")
        let expected = try Fixtures.ids(Fixtures.json("torture-ids.json"))
        let actual = tokenizer.encode(text)
        if let first = zip(actual, expected).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset {
            XCTFail("first difference at token \(first): \(actual[first...].prefix(8)) but tiktoken gives "
                + "\(expected[first...].prefix(8)), text \(tokenizer.decode(Array(expected[first...].prefix(8))).debugDescription)")
        }
        XCTAssertEqual(actual.count, expected.count)
        XCTAssertEqual(tokenizer.decode(actual), text)
    }

    func testCorpusIdsAreTiktokens() throws {
        let tokenizer = try BPETokenizer.gpt2()
        let manifest = try XCTUnwrap(Fixtures.json("corpus-manifest.json") as? [String: Any])
        let blockSize = try XCTUnwrap(manifest["blockSize"] as? Int)
        let files = try XCTUnwrap(manifest["files"] as? [[String: Any]])
        let contents = try CorpusSource.read(files)
        var checkedBytes = 0, checkedFiles = 0
        var skipped: [String] = []
        for (entry, content) in zip(files, contents) {
            let name = CorpusSource.name(entry)
            let isFixture = entry["kind"] as? String == "fixture"
            guard let content, SHA256.hex(content) == entry["sha256"] as? String else {
                XCTAssertFalse(isFixture, "\(name): committed fixture differs from the one the ids were made from")
                skipped.append(name)
                continue
            }
            let ids = tokenizer.encode(bytes: content)
            XCTAssertEqual(ids.count, entry["tokens"] as? Int, "\(name): token count")
            let blocks = try XCTUnwrap(entry["blocks"] as? [String])
            for (index, block) in stride(from: 0, to: ids.count, by: blockSize).enumerated() {
                let slice = ids[block..<min(block + blockSize, ids.count)]
                if index >= blocks.count || Self.fnv1a64(slice) != blocks[index] {
                    XCTFail("\(name): ids differ from tiktoken's in block \(index) (tokens \(block)..<\(block + slice.count)); "
                        + "that block decodes to \(tokenizer.decode(Array(slice.prefix(40))).debugDescription)...")
                    break
                }
            }
            checkedBytes += content.count
            checkedFiles += 1
        }
        let total = manifest["totalBytes"] as? Int ?? 0
        print("corpus: checked \(checkedFiles) files, \(checkedBytes) of \(total) bytes; skipped \(skipped.count) "
            + "missing or different on this machine\(skipped.isEmpty ? "" : ": " + skipped.prefix(10).joined(separator: ", "))")
        if checkedBytes < 5_000_000 {
            print("corpus: warning: less than 5 MB of the corpus is on this machine")
        }
    }

    /// FNV-1a 64 over the ids as little-endian uint32, as the generating script computes it.
    static func fnv1a64(_ ids: ArraySlice<Int>) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for id in ids {
            var value = UInt32(id)
            for _ in 0..<4 {
                hash = (hash ^ UInt64(value & 0xFF)) &* 0x100_0000_01b3
                value >>= 8
            }
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}

/// Reads corpus files named by the manifest: committed fixtures, machine files, and files of a bare git repository
/// at a fixed commit (read with one `git cat-file --batch`). A file that cannot be read gives nil.
enum CorpusSource {
    static func name(_ entry: [String: Any]) -> String {
        let path = entry["path"] as? String ?? "?"
        if let repository = entry["repository"] as? String { return "\(repository):\(path)" }
        return path
    }

    static func read(_ entries: [[String: Any]]) throws -> [[UInt8]?] {
        var contents = [[UInt8]?](repeating: nil, count: entries.count)
        var gitRequests: [String: [(index: Int, spec: String)]] = [:]
        for (index, entry) in entries.enumerated() {
            let path = entry["path"] as? String ?? ""
            switch entry["kind"] as? String {
            case "fixture":
                contents[index] = try [UInt8](Fixtures.data(path))
            case "file":
                contents[index] = FileManager.default.contents(atPath: path).map { [UInt8]($0) }
            case "git":
                let repository = entry["repository"] as? String ?? ""
                gitRequests[repository, default: []].append((index, "\(entry["commit"] as? String ?? ""):\(path)"))
            default:
                break
            }
        }
        for (repository, requests) in gitRequests {
            let blobs = catFile(repository: repository, specs: requests.map(\.spec))
            for (request, blob) in zip(requests, blobs) { contents[request.index] = blob }
        }
        return contents
    }

    private static func catFile(repository: String, specs: [String]) -> [[UInt8]?] {
        guard FileManager.default.fileExists(atPath: repository),
              FileManager.default.isExecutableFile(atPath: "/usr/bin/git") else { return specs.map { _ in nil } }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/git")
        process.arguments = ["-C", repository, "cat-file", "--batch"]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return specs.map { _ in nil } }
        let request = Data((specs.joined(separator: "\n") + "\n").utf8)
        DispatchQueue.global().async {
            input.fileHandleForWriting.write(request)
            try? input.fileHandleForWriting.close()
        }
        let data = [UInt8](output.fileHandleForReading.readDataToEndOfFile())
        process.waitUntilExit()
        var results: [[UInt8]?] = []
        var position = 0
        for _ in specs {
            guard let newline = data[position...].firstIndex(of: 0x0A) else { results.append(nil); continue }
            let header = String(decoding: data[position..<newline], as: UTF8.self).split(separator: " ")
            position = newline + 1
            guard header.count == 3, header[1] == "blob", let size = Int(header[2]), position + size <= data.count else {
                results.append(nil)  // "<spec> missing"
                continue
            }
            results.append(Array(data[position..<position + size]))
            position += size + 1
        }
        return results
    }
}
