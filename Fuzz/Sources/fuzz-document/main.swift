import FuzzSupport
import LanguageServer
import Protocol

// Incremental edits and position conversion in every encoding. A document opens with fuzzed text and takes a
// sequence of edits (ranges anywhere, also out of bounds, in any encoding, or whole replacements). After each
// edit: converting any position gives an offset within the text on a character boundary, converting that offset
// back and forth is stable, and the line count matches the line breaks (`\n`, `\r\n`, `\r`).
Fuzzer.run { data in
    var input = FuzzInput(data)
    var document = TextDocument(uri: "file:///a.txt", languageID: "plaintext", version: 1, text: input.string(maximum: 64))
    var version = 1
    // Small, so the refusal of a change that makes the document too large is reached too.
    let maximumBytes = 256
    while !input.isAtEnd {
        let encoding = input.pick(PositionEncoding.allCases)
        let operation = input.choose(4)
        switch operation {
        case 0:
            version += 1
            guard (try? document.apply([TextDocumentContentChangeEvent(range: nil, text: input.string(maximum: 48))],
                                       version: version, encoding: encoding, maximumBytes: maximumBytes)) != nil
            else { return }
        default:
            var changes: [TextDocumentContentChangeEvent] = []
            for _ in 0...input.choose(3) {
                let start = Position(line: input.smallInt(), character: input.smallInt())
                let end = Position(line: input.smallInt(), character: input.smallInt())
                changes.append(TextDocumentContentChangeEvent(range: Range(start: start, end: end),
                                                              text: input.string(maximum: 16)))
            }
            version += 1
            // A refused change leaves the document for the caller to drop (the server does): this input ends.
            guard (try? document.apply(changes, version: version, encoding: encoding, maximumBytes: maximumBytes))
                    != nil else { return }
        }
        check(document, probe: Position(line: input.smallInt(), character: input.smallInt()))
    }
}

func check(_ document: TextDocument, probe: Position) {
    let bytes = document.bytes
    guard String(validating: bytes, as: UTF8.self) != nil else { Fuzzer.fail("the text is not valid UTF-8") }
    var breaks = 0
    var index = 0
    while index < bytes.count {
        if bytes[index] == 0x0A { breaks += 1 }
        if bytes[index] == 0x0D { breaks += 1; if index + 1 < bytes.count, bytes[index + 1] == 0x0A { index += 1 } }
        index += 1
    }
    guard document.lineCount == breaks + 1 else { Fuzzer.fail("\(document.lineCount) lines for \(breaks) line breaks") }
    for encoding in PositionEncoding.allCases {
        let offset = document.offset(of: probe, encoding: encoding)
        guard offset >= 0, offset <= bytes.count else { Fuzzer.fail("offset \(offset) outside 0...\(bytes.count)") }
        guard offset == bytes.count || bytes[offset] & 0xC0 != 0x80 else {
            Fuzzer.fail("offset \(offset) is inside a character")
        }
        let position = document.position(of: offset, encoding: encoding)
        let again = document.offset(of: position, encoding: encoding)
        guard again == offset else {
            Fuzzer.fail("\(encoding): offset \(offset) -> \(position) -> offset \(again)")
        }
    }
}
