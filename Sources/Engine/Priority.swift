/// Which kind of work a sequence serves; lower raw values go first.
public enum Priority: Int, Comparable, Sendable, CaseIterable {
    /// Inline completion: the user is waiting at the cursor.
    case interactive = 0
    case classify = 1
    case summarize = 2

    public static func < (a: Priority, b: Priority) -> Bool { a.rawValue < b.rawValue }
}
