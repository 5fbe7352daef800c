/// Why a PyTorch `.pth` checkpoint could not be read.
///
/// Every case names the file and, where there is one, the zip entry or tensor, so the message is a sentence the
/// user can act on. Hostile files (code in the pickle, lying sizes) land here too: they are refused, never run.
public enum CheckpointError: Error, CustomStringConvertible, Equatable {
    case cannotOpen(file: String, reason: String)
    case notAZip(file: String, reason: String)
    case outOfBounds(file: String, what: String, offset: Int, length: Int, fileSize: Int)
    case compressedEntry(file: String, entry: String, method: Int)
    case encryptedEntry(file: String, entry: String)
    case duplicateEntry(file: String, entry: String)
    case missingEntry(file: String, entry: String)
    case ambiguousPickle(file: String, entries: [String])
    case bigEndian(file: String, byteorder: String)
    case forbiddenGlobal(file: String, global: String)
    case forbiddenOpcode(file: String, name: String, byte: UInt8, offset: Int)
    case unknownOpcode(file: String, byte: UInt8, offset: Int)
    case malformedPickle(file: String, offset: Int, reason: String)
    case limitExceeded(file: String, what: String, limit: Int)
    case invalidTensor(file: String, tensor: String, reason: String)
    case storageTooSmall(file: String, tensor: String, storage: String, needed: Int, available: Int)
    case storageEntryTooSmall(file: String, entry: String, needed: Int, available: Int)
    case noStateDict(file: String, keys: [String])
    case missingTensor(file: String, tensor: String)

    public var description: String {
        switch self {
        case let .cannotOpen(file, reason):
            return "\(file): cannot open the checkpoint: \(reason)"
        case let .notAZip(file, reason):
            return "\(file): not a PyTorch zip checkpoint (\(reason)); only files written by torch.save in its "
                + "default format (PyTorch 1.6 or later) can be read"
        case let .outOfBounds(file, what, offset, length, fileSize):
            return "\(file): \(what) claims \(length) bytes at offset \(offset), past the end of the "
                + "\(fileSize)-byte file; the file is truncated or corrupt"
        case let .compressedEntry(file, entry, method):
            let kind = method == 8 ? " (deflate)" : ""
            return "\(file): zip entry \(entry) is compressed with method \(method)\(kind); torch.save writes "
                + "stored entries and only those are read (re-save the checkpoint with torch.save)"
        case let .encryptedEntry(file, entry):
            return "\(file): zip entry \(entry) is encrypted; a PyTorch checkpoint never is"
        case let .duplicateEntry(file, entry):
            return "\(file): the zip holds two entries named \(entry); refusing to guess which one is meant"
        case let .missingEntry(file, entry):
            return "\(file): the zip has no entry \(entry), which the checkpoint needs"
        case let .ambiguousPickle(file, entries):
            return "\(file): expected exactly one */data.pkl entry, found \(entries.count): "
                + entries.joined(separator: ", ")
        case let .bigEndian(file, byteorder):
            return "\(file): the tensors are stored \(byteorder)-endian; only little-endian checkpoints are read"
        case let .forbiddenGlobal(file, global):
            let wholeModel = ["__main__.", "torch.nn.", "previous_chapters.", "gpt."].contains { global.hasPrefix($0) }
            let hint = wholeModel ? " (was the whole model saved with torch.save(model)? save model.state_dict())" : ""
            return "\(file): the pickle calls \(global), which a state dict never needs; refusing to load it\(hint)"
        case let .forbiddenOpcode(file, name, byte, offset):
            return "\(file): the pickle uses opcode \(name) (0x\(hex(byte))) at byte \(offset), which a state "
                + "dict never needs; refusing to load it"
        case let .unknownOpcode(file, byte, offset):
            return "\(file): byte 0x\(hex(byte)) at offset \(offset) of the pickle is not a pickle opcode; "
                + "the file is corrupt or not a PyTorch checkpoint"
        case let .malformedPickle(file, offset, reason):
            return "\(file): the pickle is malformed at byte \(offset): \(reason)"
        case let .limitExceeded(file, what, limit):
            return "\(file): the pickle exceeds the limit of \(limit) \(what); refusing to load it"
        case let .invalidTensor(file, tensor, reason):
            return "\(file): tensor \(tensor) \(reason)"
        case let .storageTooSmall(file, tensor, storage, needed, available):
            return "\(file): tensor \(tensor) reaches element \(needed - 1) of storage \(storage), which holds "
                + "only \(available) elements"
        case let .storageEntryTooSmall(file, entry, needed, available):
            return "\(file): zip entry \(entry) should hold \(needed) bytes of tensor data but has \(available)"
        case let .missingTensor(file, tensor):
            return "\(file): the state dict has no tensor \(tensor)"
        case let .noStateDict(file, keys):
            let shown = keys.prefix(12).joined(separator: ", ")
            return "\(file): found no state dict (a dict of tensors, or one under model_state_dict, state_dict or "
                + "model); the top-level keys are: \(shown.isEmpty ? "none" : shown)"
        }
    }
}

private func hex(_ byte: UInt8) -> String {
    let digits = String(byte, radix: 16, uppercase: true)
    return digits.count == 1 ? "0" + digits : digits
}
