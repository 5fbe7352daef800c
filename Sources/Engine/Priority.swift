/// Which kind of work a sequence serves; lower raw values go first.
public enum Priority: Int, Comparable, Sendable, CaseIterable {
    /// Inline completion: the user is waiting at the cursor.
    case interactive = 0
    case classify = 1
    case summarize = 2
    /// Work nobody waits for yet (a completion computed ahead of an expected keystroke): it never ages into a higher
    /// level and gets no rows while interactive work is waiting, so it can only use steps that would be idle.
    case speculative = 3

    public static func < (a: Priority, b: Priority) -> Bool { a.rawValue < b.rawValue }
}
