import Foundation

/// The tensors of a PyTorch `.pth` checkpoint, read without running its pickle.
///
/// Accepts what `torch.save` writes: a state dict (`model.state_dict()`), or a dict that wraps one under
/// `model_state_dict` (next to `optimizer_state_dict`, whose tensors are ignored), `state_dict` or `model`.
/// The file is memory-mapped and tensors stay views into it, with their storage offsets and strides; every view is
/// checked against its storage at load time. Immutable after `load`; safe to share between threads.
struct PyTorchCheckpoint: Sendable {
    let url: URL
    /// Tensor names in state-dict order.
    let names: [String]
    let tensors: [String: CheckpointTensor]
    /// The key the state dict was found under (`model_state_dict`, ...), or nil when the file is the state dict.
    let stateDictKey: String?
    /// Size of the file in bytes.
    let fileBytes: Int

    /// File extensions that name a PyTorch checkpoint (the book writes `.pth`; Hugging Face `pytorch_model.bin`).
    static let extensions: Set<String> = ["pth", "pt", "bin", "ckpt"]

    /// Keys that wrap a state dict in a training checkpoint, in the order they are tried.
    static let wrapperKeys = ["model_state_dict", "state_dict", "model"]

    /// Reads and validates `url`: zip structure, pickle, and every tensor's view.
    ///
    /// Complexity: O(pickle size + number of zip entries); tensor data is not touched until `floats()`.
    static func load(contentsOf url: URL) throws -> PyTorchCheckpoint {
        let file = try MappedFile(url: url)
        let archive = try PyTorchArchive(file: file)
        let (pickleEntry, prefix) = try archive.pickleEntry()
        if let byteorder = archive.entry(named: prefix + "byteorder") {
            let order = String(decoding: archive.bytes(of: byteorder), as: UTF8.self)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            guard order == "little" else { throw CheckpointError.bigEndian(file: file.fileName, byteorder: order) }
        }
        var unpickler = Unpickler(fileName: file.fileName, bytes: archive.bytes(of: pickleEntry))
        let root = try unpickler.run()
        let heap = unpickler.heap
        let (stateDict, stateDictKey) = try findStateDict(root, in: heap, file: file.fileName)

        var names: [String] = []
        var tensors: [String: CheckpointTensor] = [:]
        for (key, value) in zip(stateDict.keys, stateDict.values) {
            guard case let .string(name) = key, case let .tensor(index) = value else { continue }
            let tensor = try makeTensor(name: name, heap.tensors[index], heap: heap, archive: archive, prefix: prefix)
            names.append(name)
            tensors[name] = tensor
        }
        return PyTorchCheckpoint(url: url, names: names, tensors: tensors, stateDictKey: stateDictKey,
                                 fileBytes: file.bytes.count)
    }

    /// The tensor called `name`, or an error naming the file and the tensor (for a loader's required weights).
    func tensor(_ name: String) throws -> CheckpointTensor {
        guard let tensor = tensors[name] else {
            throw CheckpointError.missingTensor(file: url.lastPathComponent, tensor: name)
        }
        return tensor
    }

    /// The dict of tensors and the wrapper key it was under: the root itself (nil), or the dict under a wrapper key.
    private static func findStateDict(_ root: PickleValue, in heap: PickleHeap,
                                      file: String) throws -> (PickleDict, String?) {
        guard case let .dict(rootIndex) = root else { throw CheckpointError.noStateDict(file: file, keys: []) }
        let rootDict = heap.dicts[rootIndex]
        func holdsTensors(_ dict: PickleDict) -> Bool {
            dict.values.contains { if case .tensor = $0 { return true } else { return false } }
        }
        for key in wrapperKeys {
            if case let .dict(index)? = rootDict[key], holdsTensors(heap.dicts[index]) { return (heap.dicts[index], key) }
        }
        guard holdsTensors(rootDict) else {
            let keys = rootDict.keys.map { key -> String in
                switch key {
                case let .string(string): return string
                case let .int(int): return String(int)
                default: return "(non-string key)"
                }
            }
            throw CheckpointError.noStateDict(file: file, keys: keys)
        }
        return (rootDict, nil)
    }

    /// Checks a tensor's view against its storage: non-negative sizes and strides, no overflow, every reachable
    /// element inside the storage, and a storage entry as large as its element count says.
    private static func makeTensor(name: String, _ tensor: PickleTensor, heap: PickleHeap,
                                   archive: PyTorchArchive, prefix: String) throws -> CheckpointTensor {
        let file = archive.fileName
        func invalid(_ reason: String) -> CheckpointError { .invalidTensor(file: file, tensor: name, reason: reason) }
        let storage = heap.storages[tensor.storage]
        let entryName = prefix + "data/" + storage.key
        guard let entry = archive.entry(named: entryName) else {
            throw CheckpointError.missingEntry(file: file, entry: entryName)
        }
        let (neededBytes, overflow) = storage.elementCount.multipliedReportingOverflow(by: storage.type.byteSize)
        guard !overflow, neededBytes <= entry.size else {
            throw CheckpointError.storageEntryTooSmall(file: file, entry: entryName,
                                                       needed: overflow ? Int.max : neededBytes, available: entry.size)
        }
        guard tensor.shape.count == tensor.strides.count else {
            throw invalid("has \(tensor.shape.count) sizes but \(tensor.strides.count) strides")
        }
        guard tensor.shape.count <= 64 else { throw invalid("has \(tensor.shape.count) dimensions") }
        guard tensor.shape.allSatisfy({ $0 >= 0 }) else { throw invalid("has a negative size in shape \(tensor.shape)") }
        guard tensor.strides.allSatisfy({ $0 >= 0 }) else { throw invalid("has a negative stride in \(tensor.strides)") }
        guard tensor.storageOffset >= 0 else { throw invalid("has a negative storage offset \(tensor.storageOffset)") }
        var count = 1
        var lastElement = tensor.storageOffset
        for (size, stride) in zip(tensor.shape, tensor.strides) {
            let (product, productOverflow) = count.multipliedReportingOverflow(by: size)
            guard !productOverflow else { throw invalid("has shape \(tensor.shape), more elements than fit 64 bits") }
            count = product
            guard size > 0 else { continue }
            let (step, stepOverflow) = (size - 1).multipliedReportingOverflow(by: stride)
            let (sum, sumOverflow) = lastElement.addingReportingOverflow(step)
            guard !stepOverflow, !sumOverflow else {
                throw invalid("has shape \(tensor.shape) and strides \(tensor.strides), which reach past 64 bits")
            }
            lastElement = sum
        }
        if count > 0, lastElement >= storage.elementCount {
            throw CheckpointError.storageTooSmall(file: file, tensor: name, storage: storage.key,
                                                  needed: lastElement + 1, available: storage.elementCount)
        }
        // Only stride 0 (a broadcast) can make a view larger than its storage; cap it so `floats()` cannot be made
        // to allocate far more than the file holds.
        guard count <= storage.elementCount + archive.file.bytes.count + (1 << 20) else {
            throw invalid("has \(count) elements, far more than its \(storage.elementCount)-element storage")
        }
        return CheckpointTensor(
            name: name, shape: tensor.shape, strides: tensor.strides, storageOffset: tensor.storageOffset,
            dtype: storage.type, storageKey: storage.key,
            storage: UnsafeRawBufferPointer(rebasing: archive.bytes(of: entry)[0..<neededBytes]), file: archive.file)
    }
}
