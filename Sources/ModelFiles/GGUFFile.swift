import Foundation

/// A memory-mapped GGUF file (versions 2 and 3): metadata key/values, tensor infos, and the data section.
///
/// Layout: magic "GGUF", u32 version, u64 tensor count, u64 key/value count, the key/values, the tensor infos (name,
/// dimensions fastest-varying first, type, offset into the data section), then the data section at the next multiple
/// of `general.alignment` (default 32). Everything is validated at `init` (every length against the bytes left,
/// every count against what the file could hold, tensors inside the data section and aligned), so a hostile file
/// throws a `GGUFError` and never traps. Immutable after init: safe to read from any thread; the map lives as long
/// as this object.
public final class GGUFFile: @unchecked Sendable {
    /// One tensor as the file describes it.
    public struct TensorInfo: Equatable, Sendable {
        public let name: String
        /// Dimensions as stored: fastest-varying first (ggml's ne0, ne1, ...).
        public let dimensions: [Int]
        public let type: GGUFTensorType
        /// Offset from the start of the data section.
        public let offset: Int
        public let byteCount: Int
        public let elementCount: Int
        /// The row-major shape: the dimensions reversed, so a [rows, cols] matrix is stored as ne = [cols, rows].
        public var shape: [Int] { dimensions.reversed() }
    }

    public static let defaultAlignment = 32

    let file: MappedFile
    public let version: Int
    public let alignment: Int
    /// Metadata keys in file order.
    public let metadataKeys: [String]
    public let metadata: [String: GGUFValue]
    /// Tensors in file order.
    public let tensors: [TensorInfo]
    let tensorIndex: [String: Int]
    /// Absolute offset of the data section in the file.
    public let dataOffset: Int

    public var url: URL { file.url }
    public var fileName: String { file.fileName }
    public var fileBytes: Int { file.bytes.count }
    /// `general.architecture`, when the file names one.
    public var architecture: String? { metadata["general.architecture"]?.string }

    /// Maps and validates the file at `url`.
    public convenience init(url: URL) throws {
        let mapped: MappedFile
        do {
            mapped = try MappedFile(url: url)
        } catch CheckpointError.cannotOpen(let file, let reason) {
            if !FileManager.default.fileExists(atPath: url.path) { throw ModelFileError.fileNotFound(path: url.path) }
            throw ModelFileError.unreadable(file: file, reason: reason)
        }
        try self.init(file: mapped)
    }

    init(file: MappedFile) throws {
        self.file = file
        var reader = GGUFReader(bytes: file.bytes, file: file.fileName)
        guard file.bytes.count >= 4, Array(file.bytes[0..<4]) == Array("GGUF".utf8) else {
            throw GGUFError.notGGUF(file: file.fileName)
        }
        reader.position = 4
        let version = try reader.uint32("the version")
        guard version == 2 || version == 3 else {
            throw GGUFError.unsupportedVersion(file: file.fileName, version: version)
        }
        self.version = Int(version)
        let tensorCount = try reader.count("tensors", minimumBytes: 8 + 4 + 4 + 8)
        let keyCount = try reader.count("metadata keys", minimumBytes: 8 + 4)
        var keys: [String] = []
        var metadata: [String: GGUFValue] = [:]
        for _ in 0..<keyCount {
            let key = try reader.string("a metadata key")
            guard metadata[key] == nil else { throw GGUFError.duplicateKey(file: file.fileName, key: key) }
            let type = try reader.uint32("the type of \(key)")
            metadata[key] = try reader.value(type: type, key: key)
            keys.append(key)
        }
        var alignment = Self.defaultAlignment
        if let value = metadata["general.alignment"] {
            guard let a = value.int, a > 0, a <= 1 << 30, a & (a - 1) == 0 else {
                throw GGUFError.badAlignment(file: file.fileName, alignment: value.int ?? 0)
            }
            alignment = a
        }
        var infos: [(name: String, dimensions: [Int], type: GGUFTensorType, offset: UInt64)] = []
        var index: [String: Int] = [:]
        for _ in 0..<tensorCount {
            let name = try reader.string("a tensor name")
            guard index[name] == nil else { throw GGUFError.duplicateTensor(file: file.fileName, tensor: name) }
            let rank = try reader.uint32("the rank of \(name)")
            guard rank >= 1, rank <= 4 else {
                throw GGUFError.badDimensions(file: file.fileName, tensor: name, dimensions: [UInt64(rank)])
            }
            var raw: [UInt64] = []
            for _ in 0..<rank { raw.append(try reader.uint64("the dimensions of \(name)")) }
            let code = try reader.uint32("the type of \(name)")
            guard let type = GGUFTensorType.type(code: code) else {
                throw GGUFError.unknownTensorType(file: file.fileName, tensor: name, type: code)
            }
            let offset = try reader.uint64("the offset of \(name)")
            guard let dimensions = Self.checkedDimensions(raw, type: type) else {
                throw GGUFError.badDimensions(file: file.fileName, tensor: name, dimensions: raw)
            }
            index[name] = infos.count
            infos.append((name, dimensions, type, offset))
        }
        let (padded, overflow) = reader.position.addingReportingOverflow(alignment - 1)
        let dataOffset = overflow ? Int.max : padded / alignment * alignment
        let dataBytes = max(0, file.bytes.count - dataOffset)
        var tensors: [TensorInfo] = []
        tensors.reserveCapacity(infos.count)
        for info in infos {
            let elements = info.dimensions.reduce(1, *)  // checkedDimensions bounded the product and the bytes
            let bytes = elements / info.type.blockSize * info.type.typeSize
            guard info.offset % UInt64(alignment) == 0 else {
                throw GGUFError.misalignedTensor(file: file.fileName, tensor: info.name, offset: info.offset,
                                                 alignment: alignment)
            }
            guard info.offset <= UInt64(dataBytes), bytes <= dataBytes - Int(info.offset) else {
                throw GGUFError.tensorOutsideData(file: file.fileName, tensor: info.name, offset: info.offset,
                                                  bytes: bytes, dataBytes: dataBytes)
            }
            tensors.append(TensorInfo(name: info.name, dimensions: info.dimensions, type: info.type,
                                      offset: Int(info.offset), byteCount: bytes, elementCount: elements))
        }
        self.alignment = alignment
        self.metadataKeys = keys
        self.metadata = metadata
        self.tensors = tensors
        self.tensorIndex = index
        self.dataOffset = dataOffset
    }

    /// The dimensions as `Int`s when each fits, the first is whole blocks, and the element and byte counts fit in a
    /// file (under 2^62); nil otherwise.
    private static func checkedDimensions(_ raw: [UInt64], type: GGUFTensorType) -> [Int]? {
        var elements = 1
        var dimensions: [Int] = []
        for d in raw {
            guard d < 1 << 62 else { return nil }
            let (product, overflow) = elements.multipliedReportingOverflow(by: Int(d))
            guard !overflow, product < 1 << 62 else { return nil }
            elements = product
            dimensions.append(Int(d))
        }
        guard dimensions[0] % type.blockSize == 0 else { return nil }
        let (bytes, overflow) = (elements / type.blockSize).multipliedReportingOverflow(by: type.typeSize)
        guard !overflow, bytes < 1 << 62 else { return nil }
        return dimensions
    }

    /// The same file with only the metadata that is not an array: for a holder that keeps the file as long as the
    /// model lives and reads its tensors and settings, never its vocabulary (the tokens, merges and token types of a
    /// 150k-token vocabulary are about 30 MiB of arrays and strings).
    public func droppingArrayMetadata() -> GGUFFile {
        let kept = metadata.filter { $0.value.array == nil }
        return GGUFFile(file: file, version: version, alignment: alignment,
                        metadataKeys: metadataKeys.filter { kept[$0] != nil }, metadata: kept, tensors: tensors,
                        tensorIndex: tensorIndex, dataOffset: dataOffset)
    }

    private init(file: MappedFile, version: Int, alignment: Int, metadataKeys: [String], metadata: [String: GGUFValue],
                 tensors: [TensorInfo], tensorIndex: [String: Int], dataOffset: Int) {
        self.file = file
        self.version = version
        self.alignment = alignment
        self.metadataKeys = metadataKeys
        self.metadata = metadata
        self.tensors = tensors
        self.tensorIndex = tensorIndex
        self.dataOffset = dataOffset
    }

    /// The tensor named `name`, or nil.
    public func tensor(_ name: String) -> TensorInfo? { tensorIndex[name].map { tensors[$0] } }

    /// The bytes of `info`, a tensor of this file, in the map (valid while this object lives).
    public func bytes(of info: TensorInfo) -> UnsafeRawBufferPointer {
        let start = dataOffset + info.offset
        return UnsafeRawBufferPointer(rebasing: file.bytes[start..<(start + info.byteCount)])
    }
}

extension GGUFFile {
    /// Tells the kernel this process no longer needs the tensor's mapped pages, once a converted copy replaced them,
    /// so the model is not resident twice. Only whole pages inside the tensor are released.
    public func releasePages(of info: TensorInfo) {
        releasePages(dataOffset + info.offset..<dataOffset + info.offset + info.byteCount)
    }

    /// The same for `bytes` of the tensor's data (offsets from its first byte), such as rows already copied.
    public func releasePages(of info: TensorInfo, bytes: Range<Int>) {
        let bytes = bytes.clamped(to: 0..<info.byteCount)
        releasePages(dataOffset + info.offset + bytes.lowerBound..<dataOffset + info.offset + bytes.upperBound)
    }

    /// Releases the header's pages (metadata and tensor infos), which `init` read once and parsed: a 150k-token
    /// vocabulary's take about 6 MiB, which would otherwise stay resident beside the parsed copy.
    public func releaseHeaderPages() { releasePages(0..<dataOffset) }

    private func releasePages(_ bytes: Range<Int>) {
        guard let base = file.bytes.baseAddress, !bytes.isEmpty, bytes.upperBound <= file.bytes.count else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = (bytes.lowerBound + page - 1) / page * page
        let end = bytes.upperBound / page * page
        guard end > start else { return }
        _ = madvise(UnsafeMutableRawPointer(mutating: base) + start, end - start, Int32(MADV_DONTNEED))
    }
}
