@testable import Tokenizer
import XCTest

/// The O(n²) scanning merge and the O(n log n) heap merge are twins; long pieces must stay near-linear.
final class BytePairMergerTests: XCTestCase {
    private func all(_ merger: BytePairMerger, _ bytes: [UInt8]) -> (scanned: [Int], heaped: [Int], bucketed: [Int]?) {
        bytes.withUnsafeBufferPointer { piece in
            var scanned: [Int] = [], heaped: [Int] = [], bucketed: [Int] = []
            merger.mergeByScanning(piece, into: &scanned)
            merger.mergeWithHeap(piece, into: &heaped)
            let exact = merger.mergeByRankBuckets(piece, into: &bucketed)
            return (scanned, heaped, exact ? bucketed : nil)
        }
    }

    func testHeapAndBucketMergesEqualScanningMergeOnRandomPieces() throws {
        let merger = try BPETokenizer.gpt2().vocabulary.merger
        var generator = SplitMix(seed: 7)
        let alphabets: [[UInt8]] = [Array("a".utf8), Array("ab".utf8), Array("the quick".utf8), Array(" \n\t".utf8),
                                    Array("0123456789".utf8), Array("日本🎉".utf8), (0...255).map { UInt8($0) }]
        for _ in 0..<300 {
            let alphabet = alphabets[Int(generator.next() % UInt64(alphabets.count))]
            let length = Int(generator.next() % 300)
            let bytes = (0..<length).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] }
            let result = all(merger, bytes)
            XCTAssertEqual(result.heaped, result.scanned, "piece \(bytes)")
            XCTAssertEqual(result.bucketed, result.scanned, "GPT-2's ranks only grow along merges: piece \(bytes)")
        }
    }

    func testLongRunOfOneLetterMergesLikeTiktoken() throws {
        let tokenizer = try BPETokenizer.gpt2()
        // tiktoken: "a" * 1000 -> 250 x 24794 ("aaaa").
        XCTAssertEqual(tokenizer.encode(String(repeating: "a", count: 1000)), [Int](repeating: 24794, count: 250))
    }

    func testFiftyMegabyteSingleLineEncodesInBoundedTime() throws {
        let tokenizer = try BPETokenizer.gpt2()
        let size = 50_000_000
        // One giant pre-token: a run of one letter.
        var start = Date()
        let ids = tokenizer.encode(String(repeating: "a", count: size))
        XCTAssertEqual(ids.count, size / 4)
        XCTAssertEqual(Set(ids), [24794])
        print("50 MB run of one letter: \(Date().timeIntervalSince(start)) s")
        // One giant line of mixed text (many pieces, no newline).
        start = Date()
        let unit = "word, 12 日本 ok!! "
        let line = String(repeating: unit, count: size / unit.utf8.count)
        let lineIDs = tokenizer.encode(line)
        XCTAssertEqual(tokenizer.decode(lineIDs), line)
        print("50 MB single line of text: \(Date().timeIntervalSince(start)) s")
    }

    func testVocabularyWhoseMergesAreOutOfRankOrderFallsBackToTheHeap() throws {
        // "ab c" is ranked before "a b", so merging a+b creates a pair of lower rank: the buckets must give up.
        var vocabulary: [String: Int] = [:]
        for byte in 0..<256 { vocabulary[String(ByteLevel.characterOfByte[byte])] = byte }
        vocabulary["ab"] = 256
        vocabulary["abc"] = 257
        let directory = try Fixtures.temporaryDirectory(self)
        try JSONSerialization.data(withJSONObject: vocabulary).write(to: directory.appendingPathComponent("vocab.json"))
        try Data("ab c\na b\n".utf8).write(to: directory.appendingPathComponent("merges.txt"))
        let tokenizer = try BPETokenizer(directory: directory)
        let merger = tokenizer.vocabulary.merger
        let piece = Array(String(repeating: "abcab", count: 100).utf8)
        let result = all(merger, piece)
        XCTAssertNil(result.bucketed, "out-of-order ranks must be refused")
        XCTAssertEqual(result.heaped, result.scanned)
        XCTAssertEqual(tokenizer.encode(String(decoding: piece, as: UTF8.self)), result.scanned)
        XCTAssertEqual(Array(result.scanned.prefix(3)), [257, 256, 257])
    }
}
