/// A restricted pickle interpreter that understands what `torch.save` writes for a state dict and nothing more.
///
/// It never executes anything: a global is resolved against a short allow-list (`collections.OrderedDict`,
/// `torch._utils._rebuild_tensor_v2`, `_rebuild_parameter`, `torch.*Storage` and dtypes) and turned into a tag;
/// REDUCE on a tag builds a plain value (an empty dict, a tensor description). Any other global
/// (`os.system`, `builtins.eval`, ...) and any opcode outside protocols 2 and 4's data-building subset is refused
/// with an error naming it. Hostile input cannot exhaust memory: strings are bounded by the bytes left, and the
/// pickle size, stack, memo and number of containers have fixed limits (`Limits`); values are built in a flat
/// heap so nothing recurses. Single-use and single-threaded: make one per pickle.
struct Unpickler {
    /// Bounds far above what a state dict needs: the pickle of a 1.5B-parameter model with its AdamW state is
    /// about 350 KB and builds a few thousand containers.
    struct Limits {
        var pickleBytes = 16 << 20
        var stack = 1 << 20
        var memo = 1 << 20
        var objects = 1 << 20
    }

    static let maxGlobalLine = 256

    private let limits: Limits
    private let fileName: String
    private let bytes: UnsafeRawBufferPointer
    private var position = 0
    private var opcodeStart = 0
    private var stack: [PickleValue] = []
    private var marks: [Int] = []
    private var memo: [Int: PickleValue] = [:]
    private var objects = 0
    private(set) var heap = PickleHeap()

    init(fileName: String, bytes: UnsafeRawBufferPointer, limits: Limits = Limits()) {
        self.fileName = fileName
        self.bytes = bytes
        self.limits = limits
    }

    /// Runs the pickle to its STOP and returns the value it leaves (the heap holds its contents).
    mutating func run() throws -> PickleValue {
        guard bytes.count <= limits.pickleBytes else { throw limit("bytes of pickle", limits.pickleBytes) }
        while true {
            opcodeStart = position
            let opcode = try readByte()
            switch opcode {
            case 0x80: // PROTO
                let version = try readByte()
                guard version <= 5 else { throw malformed("unsupported pickle protocol \(version)") }
            case 0x95: // FRAME: a length hint only.
                _ = try read(8)
            case 0x2E: // STOP
                let result = try pop()
                return result
            case 0x28: // MARK
                guard marks.count < limits.stack else { throw limit("marks", limits.stack) }
                marks.append(stack.count)
            case 0x7D: // EMPTY_DICT
                try push(try newDict())
            case 0x5D: // EMPTY_LIST
                try push(try newList([]))
            case 0x29: // EMPTY_TUPLE
                try push(try newTuple([]))
            case 0x64: // DICT
                let items = try popMark()
                let dict = try newDict()
                try setItems(items, into: dict)
                try push(dict)
            case 0x6C: // LIST
                try push(try newList(try popMark()))
            case 0x74: // TUPLE
                try push(try newTuple(try popMark()))
            case 0x85, 0x86, 0x87: // TUPLE1, TUPLE2, TUPLE3
                let count = Int(opcode - 0x84)
                var items: [PickleValue] = []
                for _ in 0..<count { items.append(try pop()) }
                try push(try newTuple(items.reversed()))
            case 0x58: // BINUNICODE
                try push(.string(try readString(length: Int(try readUInt32()))))
            case 0x8C: // SHORT_BINUNICODE
                try push(.string(try readString(length: Int(try readByte()))))
            case 0x8D: // BINUNICODE8
                let length = try readUInt64()
                guard length <= UInt64(bytes.count) else { throw malformed("a string claims \(length) bytes") }
                try push(.string(try readString(length: Int(length))))
            case 0x4A: // BININT
                try push(.int(Int(Int32(bitPattern: try readUInt32()))))
            case 0x4B: // BININT1
                try push(.int(Int(try readByte())))
            case 0x4D: // BININT2
                let two = try read(2)
                try push(.int(Int(two.uint16(at: 0))))
            case 0x8A: // LONG1
                try push(.int(try readLong(length: Int(try readByte()))))
            case 0x47: // BINFLOAT: big-endian IEEE double.
                let eight = try read(8)
                try push(.float(Double(bitPattern: UInt64(bigEndian: eight.loadUnaligned(as: UInt64.self)))))
            case 0x4E: // NONE
                try push(.none)
            case 0x88: // NEWTRUE
                try push(.bool(true))
            case 0x89: // NEWFALSE
                try push(.bool(false))
            case 0x73: // SETITEM
                let value = try pop()
                let key = try pop()
                try setItems([key, value], into: try top())
            case 0x75: // SETITEMS
                let items = try popMark()
                try setItems(items, into: try top())
            case 0x61: // APPEND
                let value = try pop()
                try append([value], to: try top())
            case 0x65: // APPENDS
                let items = try popMark()
                try append(items, to: try top())
            case 0x71: // BINPUT
                try put(Int(try readByte()))
            case 0x72: // LONG_BINPUT
                try put(Int(try readUInt32()))
            case 0x94: // MEMOIZE
                try put(memo.count)
            case 0x68: // BINGET
                try get(Int(try readByte()))
            case 0x6A: // LONG_BINGET
                try get(Int(try readUInt32()))
            case 0x30: // POP
                if let mark = marks.last, mark == stack.count {
                    marks.removeLast()
                } else {
                    _ = try pop()
                }
            case 0x31: // POP_MARK
                _ = try popMark()
            case 0x32: // DUP
                try push(try top())
            case 0x63: // GLOBAL: "module\nname\n"
                let module = try readLine()
                let name = try readLine()
                try push(.global(try resolveGlobal(module: module, name: name)))
            case 0x93: // STACK_GLOBAL
                let name = try pop()
                let module = try pop()
                guard case let .string(moduleName) = module, case let .string(globalName) = name else {
                    throw malformed("STACK_GLOBAL needs two strings")
                }
                try push(.global(try resolveGlobal(module: moduleName, name: globalName)))
            case 0x51: // BINPERSID
                try push(try persistentStorage(try pop()))
            case 0x52: // REDUCE
                let arguments = try pop()
                let callable = try pop()
                try push(try reduce(callable, arguments))
            case 0x62: // BUILD: only an OrderedDict's attributes (`_metadata`), which a loader does not need.
                _ = try pop()
                guard case .dict = try top() else { throw malformed("BUILD on something other than a dict") }
            default:
                if let name = Self.opcodeNames[opcode] {
                    throw CheckpointError.forbiddenOpcode(file: fileName, name: name, byte: opcode, offset: opcodeStart)
                }
                throw CheckpointError.unknownOpcode(file: fileName, byte: opcode, offset: opcodeStart)
            }
        }
    }

    // MARK: - Stack, marks and memo

    private mutating func push(_ value: PickleValue) throws {
        guard stack.count < limits.stack else { throw limit("stack entries", limits.stack) }
        stack.append(value)
    }

    /// Pops one value; like CPython, never below the innermost mark.
    private mutating func pop() throws -> PickleValue {
        guard stack.count > (marks.last ?? 0) else { throw malformed("stack underflow") }
        return stack.removeLast()
    }

    private func top() throws -> PickleValue {
        guard stack.count > (marks.last ?? 0), let value = stack.last else { throw malformed("stack underflow") }
        return value
    }

    private mutating func popMark() throws -> [PickleValue] {
        guard let mark = marks.popLast() else { throw malformed("no MARK to pop to") }
        let items = Array(stack[mark...])
        stack.removeSubrange(mark...)
        return items
    }

    private mutating func put(_ index: Int) throws {
        guard memo[index] != nil || memo.count < limits.memo else { throw limit("memo entries", limits.memo) }
        memo[index] = try top()
    }

    private mutating func get(_ index: Int) throws {
        guard let value = memo[index] else { throw malformed("memo entry \(index) was never stored") }
        try push(value)
    }

    // MARK: - Containers

    private mutating func countObject() throws {
        guard objects < limits.objects else { throw limit("containers", limits.objects) }
        objects += 1
    }

    private mutating func newDict() throws -> PickleValue {
        try countObject()
        heap.dicts.append(PickleDict())
        return .dict(heap.dicts.count - 1)
    }

    private mutating func newList(_ items: [PickleValue]) throws -> PickleValue {
        try countObject()
        heap.lists.append(items)
        return .list(heap.lists.count - 1)
    }

    private mutating func newTuple(_ items: [PickleValue]) throws -> PickleValue {
        try countObject()
        heap.tuples.append(items)
        return .tuple(heap.tuples.count - 1)
    }

    private mutating func setItems(_ items: [PickleValue], into target: PickleValue) throws {
        guard case let .dict(index) = target else { throw malformed("SETITEM on something other than a dict") }
        guard items.count % 2 == 0 else { throw malformed("SETITEMS with an odd number of values") }
        for pair in stride(from: 0, to: items.count, by: 2) {
            heap.dicts[index].set(items[pair], items[pair + 1])
        }
    }

    private mutating func append(_ items: [PickleValue], to target: PickleValue) throws {
        guard case let .list(index) = target else { throw malformed("APPEND on something other than a list") }
        heap.lists[index].append(contentsOf: items)
    }

    // MARK: - Globals, persistent ids and calls

    private func resolveGlobal(module: String, name: String) throws -> PickleGlobal {
        switch (module, name) {
        case ("collections", "OrderedDict"): return .orderedDict
        case ("torch._utils", "_rebuild_tensor_v2"): return .rebuildTensorV2
        case ("torch._utils", "_rebuild_parameter"): return .rebuildParameter
        case ("torch._utils", "_rebuild_parameter_with_state"): return .rebuildParameterWithState
        default: break
        }
        if module == "torch" {
            if let type = StorageType(storageName: name) { return .storageType(type) }
            if let type = StorageType(dtypeName: name) { return .dtype(type) }
        }
        throw CheckpointError.forbiddenGlobal(file: fileName, global: module + "." + name)
    }

    /// `("storage", torch.FloatStorage, "<key>", "<location>", <element count>)`, as `torch.save` writes.
    private mutating func persistentStorage(_ id: PickleValue) throws -> PickleValue {
        guard case let .tuple(index) = id else { throw malformed("a persistent id that is not a tuple") }
        let fields = heap.tuples[index]
        guard fields.count == 5, case .string("storage") = fields[0] else {
            throw malformed("a persistent id that is not a storage")
        }
        let type: StorageType
        switch fields[1] {
        case let .global(.storageType(storageType)), let .global(.dtype(storageType)): type = storageType
        default: throw malformed("a storage without a storage type")
        }
        guard case let .string(key) = fields[2], case let .int(count) = fields[4], count >= 0 else {
            throw malformed("a storage without a key or an element count")
        }
        try countObject()
        heap.storages.append(PickleStorage(key: key, type: type, elementCount: count))
        return .storage(heap.storages.count - 1)
    }

    private mutating func reduce(_ callable: PickleValue, _ arguments: PickleValue) throws -> PickleValue {
        guard case let .global(global) = callable, case let .tuple(argumentIndex) = arguments else {
            throw malformed("REDUCE needs a global and a tuple of arguments")
        }
        let args = heap.tuples[argumentIndex]
        switch global {
        case .orderedDict:
            guard args.isEmpty else { throw malformed("OrderedDict called with arguments") }
            return try newDict()
        case .rebuildTensorV2:
            // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
            guard args.count == 6 || args.count == 7, case let .storage(storage) = args[0],
                  case let .int(offset) = args[1] else {
                throw malformed("_rebuild_tensor_v2 called with unexpected arguments")
            }
            let shape = try integers(args[2], "size")
            let strides = try integers(args[3], "stride")
            try countObject()
            heap.tensors.append(PickleTensor(storage: storage, storageOffset: offset, shape: shape, strides: strides))
            return .tensor(heap.tensors.count - 1)
        case .rebuildParameter, .rebuildParameterWithState:
            // (data, requires_grad, backward_hooks[, state]): the parameter is its data.
            guard args.count == (global == .rebuildParameter ? 3 : 4), case .tensor = args[0] else {
                throw malformed("_rebuild_parameter called with unexpected arguments")
            }
            return args[0]
        case .storageType, .dtype:
            throw malformed("a storage type or dtype is called, which a state dict never does")
        }
    }

    private func integers(_ value: PickleValue, _ what: String) throws -> [Int] {
        guard case let .tuple(index) = value else { throw malformed("a tensor \(what) that is not a tuple") }
        return try heap.tuples[index].map { item in
            guard case let .int(int) = item else { throw malformed("a tensor \(what) that holds a non-integer") }
            return int
        }
    }

    // MARK: - Reading bytes

    private mutating func read(_ count: Int) throws -> UnsafeRawBufferPointer {
        guard count >= 0, count <= bytes.count - position else {
            throw malformed("the pickle ends inside an opcode (needs \(count) more bytes)")
        }
        defer { position += count }
        return UnsafeRawBufferPointer(rebasing: bytes[position..<(position + count)])
    }

    private mutating func readByte() throws -> UInt8 {
        guard position < bytes.count else { throw malformed("the pickle ends without STOP") }
        defer { position += 1 }
        return bytes[position]
    }

    private mutating func readUInt32() throws -> UInt32 { try read(4).uint32(at: 0) }
    private mutating func readUInt64() throws -> UInt64 { try read(8).uint64(at: 0) }

    private mutating func readString(length: Int) throws -> String {
        // Invalid UTF-8 becomes U+FFFD: such a name then matches nothing a loader looks for.
        String(decoding: try read(length), as: UTF8.self)
    }

    private mutating func readLine() throws -> String {
        var end = position
        while end < bytes.count, bytes[end] != 0x0A {
            end += 1
            guard end - position <= Self.maxGlobalLine else { throw malformed("a GLOBAL name longer than 256 bytes") }
        }
        guard end < bytes.count else { throw malformed("the pickle ends inside a GLOBAL name") }
        let line = try readString(length: end - position)
        position += 1
        return line
    }

    /// LONG1: a little-endian two's complement integer of `length` bytes; only those that fit 64 bits.
    private mutating func readLong(length: Int) throws -> Int {
        guard length <= 8 else { throw malformed("an integer of \(length) bytes, larger than 64 bits") }
        let raw = try read(length)
        guard length > 0 else { return 0 }
        var value: UInt64 = 0
        for byte in raw.reversed() { value = value << 8 | UInt64(byte) }
        if length < 8, raw[length - 1] & 0x80 != 0 { value |= ~0 << (UInt64(length) * 8) }
        return Int(Int64(bitPattern: value))
    }

    private func malformed(_ reason: String) -> CheckpointError {
        .malformedPickle(file: fileName, offset: opcodeStart, reason: reason)
    }

    private func limit(_ what: String, _ limit: Int) -> CheckpointError {
        .limitExceeded(file: fileName, what: what, limit: limit)
    }

    /// Opcodes that exist but that a state dict never needs; named in the refusal.
    private static let opcodeNames: [UInt8: String] = [
        0x46: "FLOAT", 0x49: "INT", 0x4C: "LONG", 0x50: "PERSID", 0x53: "STRING", 0x54: "BINSTRING",
        0x55: "SHORT_BINSTRING", 0x56: "UNICODE", 0x67: "GET", 0x69: "INST", 0x6F: "OBJ", 0x70: "PUT",
        0x81: "NEWOBJ", 0x82: "EXT1", 0x83: "EXT2", 0x84: "EXT4", 0x8B: "LONG4", 0x42: "BINBYTES",
        0x43: "SHORT_BINBYTES", 0x8E: "BINBYTES8", 0x8F: "EMPTY_SET", 0x90: "ADDITEMS", 0x91: "FROZENSET",
        0x92: "NEWOBJ_EX", 0x96: "BYTEARRAY8", 0x97: "NEXT_BUFFER", 0x98: "READONLY_BUFFER",
    ]
}

