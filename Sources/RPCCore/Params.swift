import Foundation
import JSONCore

/// Reads a method's named params, with errors that name the field and the fix.
///
/// Each accessor records the names it reads. `finish()` then rejects any member that no accessor
/// asked for, so a misspelt optional field (`dryrun` for `dryRun`) fails loudly instead of being
/// ignored. Errors are `-32602` with `data.field` and `data.expected`.
public struct Params: Sendable {
    /// The maximum string length of any field, unless the accessor sets a smaller one.
    public static let defaultMaxStringLength = 4096

    private let object: JSONObject
    private var readFields: [String] = []
    /// The path of this object inside the request's params, such as `externalIds.`, for errors.
    private let prefix: String

    /// Wraps a request's params. Absent params read as an empty object; positional (array)
    /// params are rejected because every method takes its params by name.
    public init(_ params: JSONValue?) throws(RPCError) {
        prefix = ""
        switch params {
        case nil:
            object = JSONObject()
        case .object(let members)?:
            object = members
        case let other?:
            throw RPCError(
                .invalidParams,
                "params must be an object of named members, not \(other.typeName). "
                    + "Every method takes its params by name.",
                data: ["field": "params", "expected": "object"]
            )
        }
    }

    private init(nested object: JSONObject, prefix: String) {
        self.object = object
        self.prefix = prefix
    }

    /// Reads an optional member that is itself an object of named members; `null` reads as absent.
    /// Errors inside it name the full path, such as `externalIds.autotask`.
    public mutating func optionalObject(_ name: String) throws(RPCError) -> Params? {
        guard let value = value(name) else { return nil }
        guard case .object(let members) = value else {
            throw wrongType(name, expected: "an object", got: value)
        }
        return Params(nested: members, prefix: prefix + name + ".")
    }

    /// Reads an optional array member and hands each element to `read` as `name[index]`;
    /// `null` reads as absent. Fails when the array is longer than `maxCount`.
    public mutating func optionalArray<Element>(
        _ name: String,
        maxCount: Int,
        _ read: (JSONValue, String) throws(RPCError) -> Element
    ) throws(RPCError) -> [Element]? {
        guard let value = value(name) else { return nil }
        guard case .array(let elements) = value else {
            throw wrongType(name, expected: "an array", got: value)
        }
        guard elements.count <= maxCount else {
            throw .invalidParams(
                field: prefix + name, expected: "at most \(maxCount) elements",
                "Param '\(prefix + name)' has \(elements.count) elements; the limit is \(maxCount). Split it into smaller calls."
            )
        }
        var results: [Element] = []
        results.reserveCapacity(elements.count)
        for (index, element) in elements.enumerated() {
            results.append(try read(element, "\(prefix)\(name)[\(index)]"))
        }
        return results
    }

    /// Wraps one array element that must be an object, for reading with the usual accessors.
    public static func element(_ value: JSONValue, path: String) throws(RPCError) -> Params {
        guard case .object(let members) = value else {
            throw .invalidParams(field: path, expected: "an object", "Param '\(path)' must be an object, not \(value.typeName).")
        }
        return Params(nested: members, prefix: path + ".")
    }

    /// Rejects members that no accessor read.
    public func finish() throws(RPCError) {
        guard let unknown = object.keys.first(where: { !readFields.contains($0) }) else { return }
        let allowed = readFields.isEmpty ? "this method takes no params" : "allowed: " + readFields.joined(separator: ", ")
        throw RPCError(
            .invalidParams,
            "Unknown param '\(prefix + unknown)' (\(allowed)). Check the spelling against rpc.discover.",
            data: ["field": .string(prefix + unknown), "expected": "absent"]
        )
    }

    private mutating func value(_ name: String) -> JSONValue? {
        readFields.append(name)
        guard let value = object[name], !value.isNull else { return nil }
        return value
    }

    private func missing(_ name: String, expected: String) -> RPCError {
        .invalidParams(field: prefix + name, expected: expected, "Missing required param '\(prefix + name)' (\(expected)).")
    }

    private func wrongType(_ name: String, expected: String, got value: JSONValue) -> RPCError {
        .invalidParams(
            field: prefix + name, expected: expected,
            "Param '\(prefix + name)' must be \(expected), not \(value.typeName)."
        )
    }

    // MARK: Strings

    /// Reads a required string, trimmed of surrounding whitespace, non-empty and at most `maxLength`
    /// characters long.
    public mutating func string(_ name: String, maxLength: Int = defaultMaxStringLength) throws(RPCError) -> String {
        guard let value = try optionalString(name, maxLength: maxLength) else {
            throw missing(name, expected: "a non-empty string")
        }
        return value
    }

    /// An optional string with the rules of `string(_:maxLength:)`; `null` reads as absent.
    public mutating func optionalString(_ name: String, maxLength: Int = defaultMaxStringLength) throws(RPCError)
        -> String?
    {
        guard let text = try optionalText(name, maxLength: maxLength) else { return nil }
        guard !text.isEmpty else {
            throw .invalidParams(
                field: prefix + name,
                expected: "a non-empty string",
                "Param '\(prefix + name)' is empty or only whitespace; give a non-empty value."
            )
        }
        return text
    }

    /// Reads an optional free text, trimmed and at most `maxLength` characters long. It may be
    /// empty, so that a caller can clear a value; `null` reads as absent.
    public mutating func optionalText(_ name: String, maxLength: Int) throws(RPCError) -> String? {
        guard let value = value(name) else { return nil }
        guard case .string(let raw) = value else {
            throw wrongType(name, expected: "a string", got: value)
        }
        let trimmed = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.count <= maxLength else {
            throw .invalidParams(
                field: prefix + name,
                expected: "at most \(maxLength) characters",
                "Param '\(prefix + name)' is \(trimmed.count) characters long; the limit is \(maxLength)."
            )
        }
        return trimmed
    }

    /// Reads an optional identifier from another system, given as a string or a whole number and
    /// returned as a trimmed string; `null` reads as absent.
    public mutating func optionalIdentifier(_ name: String, maxLength: Int = 64) throws(RPCError) -> String? {
        if case .number(let number)? = object[name], number.isInteger {
            readFields.append(name)
            return number.text
        }
        return try optionalString(name, maxLength: maxLength)
    }

    /// Reads a required id the daemon made: a UUID string, returned in canonical lowercase form.
    public mutating func uuid(_ name: String) throws(RPCError) -> String {
        guard let id = try optionalUUID(name) else {
            throw missing(name, expected: "a UUID")
        }
        return id
    }

    /// Reads an optional UUID with the rules of `uuid(_:)`; `null` reads as absent.
    public mutating func optionalUUID(_ name: String) throws(RPCError) -> String? {
        guard let text = try optionalString(name, maxLength: 64) else { return nil }
        guard let uuid = UUID(uuidString: text) else {
            throw .invalidParams(
                field: prefix + name,
                expected: "a UUID",
                "Param '\(prefix + name)' must be a UUID such as 0b7c9a1e-3f4d-4c2a-9e8b-1a2b3c4d5e6f, not '\(text)'."
            )
        }
        return uuid.uuidString.lowercased()
    }

    // MARK: Booleans

    public mutating func optionalBool(_ name: String) throws(RPCError) -> Bool? {
        guard let value = value(name) else { return nil }
        guard case .bool(let flag) = value else {
            throw wrongType(name, expected: "true or false", got: value)
        }
        return flag
    }

    public mutating func bool(_ name: String, default defaultValue: Bool) throws(RPCError) -> Bool {
        try optionalBool(name) ?? defaultValue
    }

    /// Requires `name: true`, the explicit confirmation of a destructive method.
    public mutating func confirmation(_ name: String = "confirm", action: String) throws(RPCError) {
        guard try optionalBool(name) == true else {
            throw .invalidParams(
                field: prefix + name,
                expected: "true",
                "Param '\(prefix + name)' must be true to \(action); this cannot be undone."
            )
        }
    }

    // MARK: Numbers

    /// Reads an optional integer within `range`.
    public mutating func optionalInt(_ name: String, in range: ClosedRange<Int>) throws(RPCError) -> Int? {
        guard let value = value(name) else { return nil }
        let expected = "an integer from \(range.lowerBound) to \(range.upperBound)"
        guard case .number(let number) = value else {
            throw wrongType(name, expected: expected, got: value)
        }
        guard let integer = number.int64Value, let int = Int(exactly: integer), range.contains(int) else {
            throw .invalidParams(
                field: prefix + name, expected: expected, "Param '\(prefix + name)' must be \(expected), not \(number)."
            )
        }
        return int
    }

    /// Reads an optional number within `range`, integer or not.
    public mutating func optionalNumber(_ name: String, in range: ClosedRange<Double>) throws(RPCError) -> Double? {
        guard let value = value(name) else { return nil }
        let expected = "a number from \(range.lowerBound) to \(range.upperBound)"
        guard case .number(let number) = value else {
            throw wrongType(name, expected: expected, got: value)
        }
        guard let double = number.doubleValue, range.contains(double) else {
            throw .invalidParams(
                field: prefix + name, expected: expected, "Param '\(prefix + name)' must be \(expected), not \(number)."
            )
        }
        return double
    }

    // MARK: Lists

    /// The `limit` and `cursor` params of a list method: `limit` from 1 to 1000, default 100.
    public mutating func page() throws(RPCError) -> PageRequest {
        let limit = try optionalInt("limit", in: 1...PageRequest.maxLimit) ?? PageRequest.defaultLimit
        let cursor = try optionalString("cursor", maxLength: 512)
        return PageRequest(limit: limit, cursor: cursor)
    }
}

/// A list method's paging params.
public struct PageRequest: Sendable, Equatable {
    public static let defaultLimit = 100
    public static let maxLimit = 1000

    public let limit: Int
    /// The opaque `nextCursor` of the previous page, or `nil` for the first page.
    public let cursor: String?

    public init(limit: Int = defaultLimit, cursor: String? = nil) {
        self.limit = limit
        self.cursor = cursor
    }
}
