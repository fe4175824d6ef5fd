import JSONCore

/// A request id exactly as the client sent it.
///
/// Numbers keep their source text, so `9007199254740993`, `-1` and `1e2` come back byte for byte
/// and a string id `"1"` never turns into the number `1`.
public enum RequestID: Sendable, Hashable, CustomStringConvertible {
    case string(String)
    case number(JSONNumber)
    /// An explicit `"id": null`, which is a request that gets a reply, not a notification.
    case null

    /// The id as a JSON value, for writing it back.
    public var jsonValue: JSONValue {
        switch self {
        case .string(let string): .string(string)
        case .number(let number): .number(number)
        case .null: .null
        }
    }

    public var description: String {
        jsonValue.description
    }

    /// The id of a JSON value, or `nil` when the value cannot be an id (a boolean, array or object).
    public init?(_ value: JSONValue) {
        switch value {
        case .string(let string): self = .string(string)
        case .number(let number): self = .number(number)
        case .null: self = .null
        default: return nil
        }
    }
}
