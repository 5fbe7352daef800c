import XCTest
@testable import Tokenizer

/// `pieces(of:maxTokens:)`: a long text in pieces that each fit, cut at line breaks, that give the text back.
final class PiecesTests: XCTestCase {
    func testPiecesFitTheLimitAndJoinBackToTheText() throws {
        let tokenizer = try BPETokenizer.gpt2()
        let text = (0..<60).map { "value_\($0) = compute(\($0), \($0 * 3))  # ünïcode ✓" }.joined(separator: "\n")
        let pieces = tokenizer.pieces(of: text, maxTokens: 64)
        XCTAssertGreaterThan(pieces.count, 5)
        for piece in pieces { XCTAssertLessThanOrEqual(tokenizer.encode(piece + "\n").count, 64, piece) }
        XCTAssertEqual(pieces.joined(separator: "\n"), text)
    }

    func testALineLongerThanThePieceIsCutAndShortTextIsOnePiece() throws {
        let tokenizer = try BPETokenizer.gpt2()
        let long = String(repeating: "word ", count: 100)
        let pieces = tokenizer.pieces(of: long, maxTokens: 16)
        XCTAssertGreaterThan(pieces.count, 5)
        XCTAssertEqual(pieces.joined(), long, "cut at token boundaries, the pieces give the line back")
        XCTAssertEqual(tokenizer.pieces(of: "x = 1", maxTokens: 16), ["x = 1"])
        XCTAssertEqual(tokenizer.pieces(of: "", maxTokens: 16), [""])
    }
}
