/// The entries of a PyTorch zip checkpoint, read in place from a memory map.
///
/// `torch.save` writes an uncompressed zip: `<prefix>/data.pkl` (the pickle), `<prefix>/data/<key>` (one entry per
/// storage, 64-byte aligned), `<prefix>/byteorder` and a few small files. Only stored (method 0) entries are
/// accepted; every offset and size in the central directory and local headers is checked against the file size
/// before anything is read, so a lying header is refused instead of read past the map.
/// ZIP64 (end-of-central-directory locator, record and extra fields) is supported for files over 4 GB.
/// Immutable after `init`; safe to share between threads.
struct PyTorchArchive {
    struct Entry {
        let name: String
        /// Offset of the entry's first data byte in the file.
        let dataOffset: Int
        let size: Int
    }

    let file: MappedFile
    /// Entries in central-directory order.
    let entries: [Entry]
    private let index: [String: Int]

    var fileName: String { file.fileName }

    init(file: MappedFile) throws {
        self.file = file
        let directory = try Self.centralDirectory(of: file)
        var entries: [Entry] = []
        var index: [String: Int] = [:]
        var position = directory.offset
        let end = directory.offset + directory.size
        let bytes = file.bytes
        let name = file.fileName
        for _ in 0..<directory.count {
            guard position + 46 <= end, bytes.uint32(at: position) == 0x0201_4B50 else {
                throw CheckpointError.notAZip(file: name, reason: "central directory entry \(entries.count) is damaged")
            }
            let flags = bytes.uint16(at: position + 8)
            let method = Int(bytes.uint16(at: position + 10))
            var compressedSize = UInt64(bytes.uint32(at: position + 20))
            var size = UInt64(bytes.uint32(at: position + 24))
            let nameLength = Int(bytes.uint16(at: position + 28))
            let extraLength = Int(bytes.uint16(at: position + 30))
            let commentLength = Int(bytes.uint16(at: position + 32))
            var localOffset = UInt64(bytes.uint32(at: position + 42))
            let nameStart = position + 46
            let extraStart = nameStart + nameLength
            let next = extraStart + extraLength + commentLength
            guard next <= end else {
                throw CheckpointError.notAZip(file: name, reason: "central directory entry \(entries.count) runs past the directory")
            }
            let entryName = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[nameStart..<extraStart]), as: UTF8.self)
            try Self.applyZip64Extra(bytes, from: extraStart, count: extraLength, size: &size,
                                     compressedSize: &compressedSize, localOffset: &localOffset,
                                     file: name, entry: entryName)
            guard flags & 1 == 0 else { throw CheckpointError.encryptedEntry(file: name, entry: entryName) }
            guard method == 0 else {
                throw CheckpointError.compressedEntry(file: name, entry: entryName, method: method)
            }
            guard compressedSize == size else {
                throw CheckpointError.notAZip(file: name, reason: "stored entry \(entryName) claims \(compressedSize) "
                    + "bytes in the file but \(size) bytes of content")
            }
            let dataOffset = try Self.dataOffset(of: entryName, localHeader: localOffset, size: size, in: file)
            guard index[entryName] == nil else { throw CheckpointError.duplicateEntry(file: name, entry: entryName) }
            index[entryName] = entries.count
            entries.append(Entry(name: entryName, dataOffset: dataOffset, size: Int(size)))
            position = next
        }
        self.entries = entries
        self.index = index
    }

    func entry(named name: String) -> Entry? {
        index[name].map { entries[$0] }
    }

    /// The bytes of an entry, in place in the map (valid while `file` lives).
    func bytes(of entry: Entry) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: file.bytes[entry.dataOffset..<(entry.dataOffset + entry.size)])
    }

    /// The one `*/data.pkl` entry and the prefix its storages live under (`"archive/"` for `archive/data.pkl`).
    func pickleEntry() throws -> (entry: Entry, prefix: String) {
        let candidates = entries.filter { $0.name == "data.pkl" || $0.name.hasSuffix("/data.pkl") }
        guard candidates.count == 1, let entry = candidates.first else {
            if candidates.isEmpty { throw CheckpointError.missingEntry(file: fileName, entry: "*/data.pkl") }
            throw CheckpointError.ambiguousPickle(file: fileName, entries: candidates.map(\.name))
        }
        return (entry, String(entry.name.dropLast("data.pkl".count)))
    }

    // MARK: - Zip structures

    private struct Directory {
        let offset: Int
        let size: Int
        let count: Int
    }

    /// Finds the end-of-central-directory record (and its ZIP64 twin when a field overflows) and checks that the
    /// central directory it points at lies inside the file.
    private static func centralDirectory(of file: MappedFile) throws -> Directory {
        let bytes = file.bytes
        let name = file.fileName
        let fileSize = bytes.count
        guard fileSize >= 22 else { throw CheckpointError.notAZip(file: name, reason: "the file has only \(fileSize) bytes") }
        var end = -1
        var candidate = fileSize - 22
        let lowest = max(0, fileSize - 22 - 0xFFFF)
        while candidate >= lowest {
            if bytes.uint32(at: candidate) == 0x0605_4B50,
               candidate + 22 + Int(bytes.uint16(at: candidate + 20)) <= fileSize {
                end = candidate
                break
            }
            candidate -= 1
        }
        guard end >= 0 else {
            throw CheckpointError.notAZip(file: name, reason: "no end-of-central-directory record; truncated or not a zip")
        }
        var count = UInt64(bytes.uint16(at: end + 10))
        var size = UInt64(bytes.uint32(at: end + 12))
        var offset = UInt64(bytes.uint32(at: end + 16))
        if count == 0xFFFF || size == 0xFFFF_FFFF || offset == 0xFFFF_FFFF {
            let locator = end - 20
            guard locator >= 0, bytes.uint32(at: locator) == 0x0706_4B50 else {
                throw CheckpointError.notAZip(file: name, reason: "the end record needs ZIP64 but has no ZIP64 locator")
            }
            let record = bytes.uint64(at: locator + 8)
            guard locator >= 56, record <= UInt64(locator - 56), bytes.uint32(at: Int(record)) == 0x0606_4B50 else {
                throw CheckpointError.notAZip(file: name, reason: "the ZIP64 locator points at no ZIP64 end record")
            }
            count = bytes.uint64(at: Int(record) + 32)
            size = bytes.uint64(at: Int(record) + 40)
            offset = bytes.uint64(at: Int(record) + 48)
        }
        try checkRange("the central directory", offset: offset, length: size, file: file)
        // Each entry takes at least 46 bytes, so a count larger than that is a lie.
        guard count <= size / 46 else {
            throw CheckpointError.notAZip(file: name, reason: "the end record claims \(count) entries in a "
                + "\(size)-byte central directory")
        }
        return Directory(offset: Int(offset), size: Int(size), count: Int(count))
    }

    /// Replaces the 32-bit fields that are 0xFFFFFFFF by their 64-bit values from the ZIP64 extra field (id 1),
    /// which lists, in this order, only the fields that overflowed.
    private static func applyZip64Extra(_ bytes: UnsafeRawBufferPointer, from start: Int, count: Int,
                                        size: inout UInt64, compressedSize: inout UInt64, localOffset: inout UInt64,
                                        file: String, entry: String) throws {
        var position = start
        let end = start + count
        while position + 4 <= end {
            let id = bytes.uint16(at: position)
            let length = Int(bytes.uint16(at: position + 2))
            let body = position + 4
            guard body + length <= end else { break }
            if id == 1 {
                var field = body
                func next() throws -> UInt64 {
                    guard field + 8 <= body + length else {
                        throw CheckpointError.notAZip(file: file, reason: "entry \(entry) has a short ZIP64 extra field")
                    }
                    defer { field += 8 }
                    return bytes.uint64(at: field)
                }
                if size == 0xFFFF_FFFF { size = try next() }
                if compressedSize == 0xFFFF_FFFF { compressedSize = try next() }
                if localOffset == 0xFFFF_FFFF { localOffset = try next() }
                return
            }
            position = body + length
        }
    }

    /// Reads the local header of an entry and returns where its data starts, after checking that the header and
    /// `size` bytes of data lie inside the file.
    private static func dataOffset(of entry: String, localHeader: UInt64, size: UInt64, in file: MappedFile) throws -> Int {
        let bytes = file.bytes
        try checkRange("the local header of zip entry \(entry)", offset: localHeader, length: 30, file: file)
        let header = Int(localHeader)
        guard bytes.uint32(at: header) == 0x0403_4B50 else {
            throw CheckpointError.notAZip(file: file.fileName, reason: "zip entry \(entry) has no local header "
                + "at offset \(header)")
        }
        let headerLength = 30 + Int(bytes.uint16(at: header + 26)) + Int(bytes.uint16(at: header + 28))
        try checkRange("the local header of zip entry \(entry)", offset: localHeader, length: UInt64(headerLength), file: file)
        let start = header + headerLength
        try checkRange("zip entry \(entry)", offset: UInt64(start), length: size, file: file)
        return start
    }

    private static func checkRange(_ what: String, offset: UInt64, length: UInt64, file: MappedFile) throws {
        let fileSize = UInt64(file.bytes.count)
        guard offset <= fileSize, length <= fileSize - offset else {
            throw CheckpointError.outOfBounds(file: file.fileName, what: what, offset: Int(clamping: offset),
                                              length: Int(clamping: length), fileSize: Int(fileSize))
        }
    }
}
