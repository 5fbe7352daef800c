/// A value built by the restricted unpickler.
///
/// Containers are indices into a `PickleHeap`, so no value owns another: a hostile pickle nested a million levels
/// deep builds a flat heap, and neither the interpreter nor a destructor ever recurses.
enum PickleValue {
    case none
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(String)
    case tuple(Int)
    case list(Int)
    case dict(Int)
    case global(PickleGlobal)
    case storage(Int)
    case tensor(Int)
}

/// The only globals a state dict needs; the unpickler refuses every other one by name.
enum PickleGlobal: Equatable {
    case orderedDict
    case rebuildTensorV2
    case rebuildParameter
    case rebuildParameterWithState
    case storageType(StorageType)
    case dtype(StorageType)
}

/// A storage named by a persistent id: `("storage", torch.FloatStorage, "<key>", "cpu", <element count>)`.
struct PickleStorage {
    let key: String
    let type: StorageType
    let elementCount: Int
}

/// A tensor as `_rebuild_tensor_v2` describes it; the checkpoint validates it once it knows the tensor's name.
struct PickleTensor {
    let storage: Int
    let storageOffset: Int
    let shape: [Int]
    let strides: [Int]
}

/// Dict keys the unpickler can look up: strings (state dict names) and integers (optimizer state).
enum PickleKey: Hashable {
    case string(String)
    case int(Int)

    init?(_ value: PickleValue) {
        switch value {
        case let .string(string): self = .string(string)
        case let .int(int): self = .int(int)
        default: return nil
        }
    }
}

/// An insertion-ordered dict (plain dicts and `OrderedDict`s alike).
struct PickleDict {
    var keys: [PickleValue] = []
    var values: [PickleValue] = []
    var index: [PickleKey: Int] = [:]

    mutating func set(_ key: PickleValue, _ value: PickleValue) {
        if let hashable = PickleKey(key) {
            if let existing = index[hashable] {
                values[existing] = value
                return
            }
            index[hashable] = keys.count
        }
        keys.append(key)
        values.append(value)
    }

    subscript(key: String) -> PickleValue? {
        index[.string(key)].map { values[$0] }
    }
}

/// Everything the unpickler built. Lists and dicts are mutable through any reference to them (memo, stack),
/// as in Python, because references are indices.
struct PickleHeap {
    var tuples: [[PickleValue]] = []
    var lists: [[PickleValue]] = []
    var dicts: [PickleDict] = []
    var storages: [PickleStorage] = []
    var tensors: [PickleTensor] = []
}
