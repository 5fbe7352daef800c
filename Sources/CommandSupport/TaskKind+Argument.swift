import ArgumentParser
import Tasks

/// `--task completion|summarize|classify`.
extension TaskKind: ExpressibleByArgument {}
