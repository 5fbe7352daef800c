import CJansson

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A test hook that counts the blocks jansson allocates and frees, to prove every json_t is released exactly once.
///
/// Threading: installs process-wide allocator functions; call only while no other thread uses jansson (tests).
enum JanssonAllocations {
    nonisolated(unsafe) private static var live = 0

    /// Runs `body` with counting allocators installed and returns how many jansson blocks it left allocated.
    static func leftAllocated(by body: () throws -> Void) rethrows -> Int {
        var previousMalloc: json_malloc_t?
        var previousFree: json_free_t?
        json_get_alloc_funcs(&previousMalloc, &previousFree)
        live = 0
        json_set_alloc_funcs({ size in
            JanssonAllocations.live += 1
            return malloc(size)
        }, { pointer in
            if pointer != nil { JanssonAllocations.live -= 1 }
            free(pointer)
        })
        defer { json_set_alloc_funcs(previousMalloc, previousFree) }
        try body()
        return live
    }

    /// Releases a tree made by `JSONValue.makeJansson()`, for tests that hold one on purpose.
    static func release(_ json: UnsafeMutablePointer<json_t>) {
        json_decref(json)
    }
}
