/// The invariant violations that one input produced, in the order they were found.
public struct ViolationLog: Sendable {
    public private(set) var messages: [String] = []

    public init() {}

    public var isEmpty: Bool { messages.isEmpty }

    /// Records `message` when `condition` is false.
    mutating func expect(_ condition: Bool, _ message: @autoclosure () -> String) {
        if !condition {
            messages.append(message())
        }
    }

    mutating func record(_ message: String) {
        messages.append(message)
    }
}
