/// A JSON object whose members keep the order in which they were parsed or added.
///
/// Lookup is linear, which is faster than hashing for the small objects of an RPC message.
/// When a parsed object has a duplicate key, lookup returns the last one, as most parsers do.
public struct JSONObject: Sendable, Equatable, Sequence {
    public typealias Member = (key: String, value: JSONValue)

    public private(set) var members: [Member]

    public init() {
        members = []
    }

    public init(_ members: [Member]) {
        self.members = members
    }

    public var count: Int { members.count }

    public var isEmpty: Bool { members.isEmpty }

    public var keys: [String] { members.map(\.key) }

    /// The member's value, or `nil` if the key is absent. Setting replaces the last member with
    /// that key, appends a new one, or removes every member with that key when set to `nil`.
    public subscript(key: String) -> JSONValue? {
        get {
            members.last(where: { $0.key == key })?.value
        }
        set {
            guard let newValue else {
                members.removeAll(where: { $0.key == key })
                return
            }
            if let index = members.lastIndex(where: { $0.key == key }) {
                members[index].value = newValue
            } else {
                members.append((key, newValue))
            }
        }
    }

    public func contains(_ key: String) -> Bool {
        members.contains(where: { $0.key == key })
    }

    /// Appends a member without checking for an existing one with the same key.
    public mutating func append(_ key: String, _ value: JSONValue) {
        members.append((key, value))
    }

    public func makeIterator() -> IndexingIterator<[Member]> {
        members.makeIterator()
    }

    /// Compares by content: member order does not matter, and the last duplicate key wins.
    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        let left = Dictionary(lhs.members, uniquingKeysWith: { _, last in last })
        let right = Dictionary(rhs.members, uniquingKeysWith: { _, last in last })
        return left == right
    }
}

extension JSONObject: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init(elements.map { (key: $0.0, value: $0.1) })
    }
}
