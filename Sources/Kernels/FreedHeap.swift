import CKernels

/// The heap memory this process has freed but still holds.
public enum FreedHeap {
    /// Gives the pages of freed heap memory back to the system. glibc keeps them resident inside its arenas until
    /// asked, so after a step that frees large temporary buffers (loading a model) they would stay counted in the
    /// process's resident memory for its whole life. A no-op elsewhere. Takes milliseconds; call it after such a
    /// step, not per request.
    public static func release() { _ = gk_release_free_heap() }
}
