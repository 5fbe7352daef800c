import Foundation
import JSON

/// A memory-mapped `.safetensors` file: 8-byte little-endian header length, a JSON header, then the data section.
///
/// The header is validated completely before any tensor is touched (lengths, dtypes, offsets in range and
/// disjoint), so a hostile file gives a `ModelFileError` rather than a crash. F32 tensors are used in place from the
/// mapping; F16/BF16 are converted to fp32 on request. Immutable after init: safe to read from any thread.
final class SafetensorsFile {
    struct TensorInfo: Equatable {
        var name: String
        var dtype: String
        var shape: [Int]
        var begin: Int
        var end: Int
        var elementCount: Int { shape.reduce(1, *) }
    }

    /// Headers larger than this are refused: real ones are well under 1 MB.
    static let headerLimit = 100_000_000
    static let dtypeSizes = ["F32": 4, "F16": 2, "BF16": 2]

    let url: URL
    let fileSize: Int
    let tensors: [String: TensorInfo]
    let base: UnsafeMutableRawPointer?
    let dataStart: Int
    var fileName: String { url.lastPathComponent }

    init(url: URL) throws {
        self.url = url
        let name = url.lastPathComponent
        let fd = open(url.path, O_RDONLY)
        guard fd >= 0 else {
            if errno == ENOENT { throw ModelFileError.fileNotFound(path: url.path) }
            throw ModelFileError.unreadable(file: name, reason: String(cString: strerror(errno)))
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else {
            throw ModelFileError.unreadable(file: name, reason: "not a regular file")
        }
        let size = Int(st.st_size)
        guard size >= 8 else { throw ModelFileError.truncated(file: name, size: size, needed: 8) }
        let mapped = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let mapped, mapped != MAP_FAILED else {
            throw ModelFileError.unreadable(file: name, reason: "mmap failed: \(String(cString: strerror(errno)))")
        }
        do {
            var length: UInt64 = 0
            for i in 0..<8 { length |= UInt64(mapped.load(fromByteOffset: i, as: UInt8.self)) << (8 * UInt64(i)) }
            let limit = min(SafetensorsFile.headerLimit, size - 8)
            guard length <= UInt64(limit) else {
                throw ModelFileError.headerTooLong(file: name, length: length > UInt64(Int.max) ? Int.max : Int(length),
                                             limit: limit)
            }
            let start = 8 + Int(length)
            let headerData = Data(bytes: mapped + 8, count: Int(length))
            tensors = try SafetensorsFile.parseHeader(headerData, file: name, dataBytes: size - start)
            dataStart = start
        } catch {
            munmap(mapped, size)
            throw error
        }
        fileSize = size
        base = mapped
    }

    deinit { if let base { munmap(base, fileSize) } }

    static func parseHeader(_ data: Data, file: String, dataBytes: Int) throws -> [String: TensorInfo] {
        guard let header = (try? JSONValue.parse(data))?.object else {
            throw ModelFileError.malformedHeader(file: file, reason: "expected a JSON object")
        }
        var tensors: [String: TensorInfo] = [:]
        for (name, value) in header.members where name != "__metadata__" {
            guard let dtype = value["dtype"]?.string, let shape = integers(value["shape"]),
                  let offsets = integers(value["data_offsets"]), offsets.count == 2 else {
                throw ModelFileError.malformedHeader(
                    file: file, reason: "tensor \(name) needs dtype, shape and two data_offsets")
            }
            guard let size = dtypeSizes[dtype] else {
                throw ModelFileError.unknownDType(file: file, tensor: name, dtype: dtype)
            }
            let (begin, end) = (offsets[0], offsets[1])
            guard begin >= 0, end >= begin, end <= dataBytes else {
                throw ModelFileError.offsetsOutOfRange(file: file, tensor: name, begin: begin, end: end,
                                                       dataBytes: dataBytes)
            }
            var count = 1
            for d in shape {
                let (product, overflow) = count.multipliedReportingOverflow(by: d)
                guard d >= 0, !overflow else {
                    throw ModelFileError.malformedHeader(file: file, reason: "tensor \(name) has shape \(shape)")
                }
                count = product
            }
            guard count.multipliedReportingOverflow(by: size).partialValue == end - begin else {
                throw ModelFileError.byteCountMismatch(file: file, tensor: name, shape: shape, dtype: dtype,
                                                       bytes: end - begin, expected: count &* size)
            }
            tensors[name] = TensorInfo(name: name, dtype: dtype, shape: shape, begin: begin, end: end)
        }
        let sorted = tensors.values.filter { $0.end > $0.begin }.sorted { ($0.begin, $0.name) < ($1.begin, $1.name) }
        for (a, b) in zip(sorted, sorted.dropFirst()) where b.begin < a.end {
            throw ModelFileError.overlappingTensors(file: file, first: a.name, second: b.name)
        }
        return tensors
    }

    /// An array of integers (a shape, data offsets), or nil when `value` is anything else.
    private static func integers(_ value: JSONValue?) -> [Int]? {
        guard let elements = value?.array else { return nil }
        var result: [Int] = []
        result.reserveCapacity(elements.count)
        for element in elements {
            guard let int = element.int else { return nil }
            result.append(int)
        }
        return result
    }

    /// The tensor's bytes in the mapping (valid while this object lives).
    func bytes(_ info: TensorInfo) -> UnsafeRawPointer {
        UnsafeRawPointer(base!) + dataStart + info.begin
    }

    /// Tells the kernel this process no longer needs the tensor's mapped pages, once a converted copy replaced
    /// them: they leave the resident set (they stay in the page cache, and a later read would fault them back in
    /// from the file). Without this a transposed or widened model would be resident twice. Only whole pages inside
    /// the tensor are released, so a neighbour used in place keeps its pages.
    func releasePages(_ name: String) {
        if let info = tensors[name] { release(info) }
    }

    private func release(_ info: TensorInfo) {
        guard let base else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = (dataStart + info.begin + page - 1) / page * page
        let end = (dataStart + info.end) / page * page
        guard end > start else { return }
        _ = madvise(base + start, end - start, Int32(MADV_DONTNEED))
    }
}
