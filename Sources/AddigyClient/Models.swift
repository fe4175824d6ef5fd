import Foundation
import JSONCore

/// An Addigy policy: the organizational unit of a fleet, in a tree built from `parentId`.
public struct AddigyPolicy: Sendable, Equatable {
    public let policyId: String
    public let name: String
    /// The parent policy's id; `nil` for a root, whether Addigy sent null, "" or nothing.
    public let parentId: String?
    public let organizationId: String?
    /// PSA account ids Addigy stores on the policy, as strings whatever type Addigy sent.
    public let autotaskAccountId: String?
    public let connectwiseAccountId: String?
    public let itglueAccountId: String?

    /// Decodes a policy, or returns `nil` when it has no usable `policyId`.
    public init?(_ json: JSONValue) {
        guard let policyId = FactDecoding.nonEmptyString(json["policyId"]) else { return nil }
        self.policyId = policyId
        name = FactDecoding.nonEmptyString(json["name"]) ?? policyId
        parentId = FactDecoding.nonEmptyString(json["parent"])
        organizationId = FactDecoding.nonEmptyString(json["orgid"])
        autotaskAccountId = FactDecoding.identifier(json["autotask_account_id"])
        connectwiseAccountId = FactDecoding.identifier(json["connectwise_account_id"])
        itglueAccountId = FactDecoding.identifier(json["itglue_account_id"])
    }
}

/// One fact of a device as Addigy sent it.
public struct AddigyFact: Sendable, Equatable {
    /// Addigy's declared type (`string`, `number`, `boolean`, `list`, `date`), if sent.
    public let type: String?
    /// The value; `.null` when Addigy had none.
    public let value: JSONValue
    /// Addigy's note when collecting the fact failed; `nil` when empty.
    public let errorMessage: String?
}

/// A device from Addigy's device search, keyed by `agentId`.
///
/// Facts are kept as sent, and the typed accessors read them tolerantly. A missing fact, a null
/// value and a fact whose collection failed all read as `nil`, while `false` stays `false`.
public struct AddigyDevice: Sendable, Equatable {
    public let agentId: String
    public let organizationId: String?
    public let auditDate: Date?
    public let facts: [String: AddigyFact]

    /// Decodes a device item, or returns `nil` when it has no `agentid`.
    public init?(_ json: JSONValue) {
        let agentId = FactDecoding.nonEmptyString(json["agentid"])
            ?? FactDecoding.nonEmptyString(json["facts"]?["agentid"]?["value"])
        guard let agentId else { return nil }
        self.agentId = agentId
        organizationId = FactDecoding.nonEmptyString(json["orgid"])
        auditDate = FactDecoding.date(json["audit_date"])

        var facts: [String: AddigyFact] = [:]
        for (name, raw) in json["facts"]?.objectValue ?? JSONObject() {
            if let object = raw.objectValue, object.contains("value") || object.contains("type") {
                facts[name] = AddigyFact(
                    type: object["type"]?.stringValue,
                    value: object["value"] ?? .null,
                    errorMessage: FactDecoding.nonEmptyString(object["error_msg"])
                )
            } else {
                facts[name] = AddigyFact(type: nil, value: raw, errorMessage: nil)
            }
        }
        self.facts = facts
    }

    private func value(_ name: String) -> JSONValue? {
        guard let fact = facts[name], fact.errorMessage == nil || !fact.value.isNull else { return nil }
        return fact.value.isNull ? nil : fact.value
    }

    /// Returns a string fact; blank strings read as `nil`.
    public func string(_ name: String) -> String? {
        FactDecoding.nonEmptyString(value(name))
    }

    /// Returns a tri-state boolean fact: `true`, `false`, or `nil` when unknown.
    public func bool(_ name: String) -> Bool? {
        FactDecoding.bool(value(name))
    }

    /// Returns a number fact, whether Addigy sent an integer, a float or a numeric string.
    public func number(_ name: String) -> Double? {
        FactDecoding.number(value(name))
    }

    /// Returns a date fact: ISO 8601 with 0 to 9 fraction digits, or epoch seconds.
    public func date(_ name: String) -> Date? {
        FactDecoding.date(value(name))
    }

    /// Returns a list fact as strings; a single string reads as a one-element list.
    public func strings(_ name: String) -> [String] {
        switch value(name) {
        case .array(let elements)?: elements.compactMap { FactDecoding.nonEmptyString($0) }
        case .string(let text)? where !text.trimmingWhitespace().isEmpty: [text]
        default: []
        }
    }

    public var name: String? { string("device_name") }

    /// The serial number, or `nil` when blank; serials are not unique, so never key by them.
    public var serialNumber: String? { string("serial_number") }

    /// Every policy the device belongs to: `policy_id` first, then the rest of `policy_ids`,
    /// without duplicates. Empty for a device in no policy.
    public var policyIds: [String] {
        var ids: [String] = []
        for id in [string("policy_id")].compactMap({ $0 }) + strings("policy_ids") where !ids.contains(id) {
            ids.append(id)
        }
        return ids
    }
}

/// Tolerant readers for the value shapes Addigy sends.
public enum FactDecoding {
    public static func nonEmptyString(_ value: JSONValue?) -> String? {
        guard case .string(let text)? = value else { return nil }
        let trimmed = text.trimmingWhitespace()
        return trimmed.isEmpty ? nil : trimmed
    }

    /// Reads an id that may arrive as a string or an integer; 0 and blank read as `nil`.
    public static func identifier(_ value: JSONValue?) -> String? {
        switch value {
        case .string?: return nonEmptyString(value)
        case .number(let number)?:
            if let integer = number.int64Value {
                return integer == 0 ? nil : String(integer)
            }
            return number.text
        default: return nil
        }
    }

    public static func bool(_ value: JSONValue?) -> Bool? {
        switch value {
        case .bool(let flag)?: return flag
        case .number(let number)?:
            return number.int64Value.flatMap { $0 == 0 ? false : ($0 == 1 ? true : nil) }
        case .string(let text)?:
            switch text.lowercased() {
            case "true", "yes", "1": return true
            case "false", "no", "0": return false
            default: return nil
            }
        default: return nil
        }
    }

    public static func number(_ value: JSONValue?) -> Double? {
        switch value {
        case .number(let number)?: return number.doubleValue
        case .string(let text)?: return Double(text.trimmingWhitespace())
        default: return nil
        }
    }

    /// Parses ISO 8601 UTC dates with any number of fraction digits (Addigy sends 0, 1 or 3),
    /// a trailing `Z` or offset, and epoch seconds as numbers.
    public static func date(_ value: JSONValue?) -> Date? {
        switch value {
        case .number(let number)?:
            return number.doubleValue.map { Date(timeIntervalSince1970: $0) }
        case .string(let text)?:
            return parseISO8601(text.trimmingWhitespace())
        default:
            return nil
        }
    }

    private static let wholeSeconds = Date.ISO8601FormatStyle(timeZone: .gmt)

    static func parseISO8601(_ text: String) -> Date? {
        guard !text.isEmpty else { return nil }
        if let date = ISO8601.date(from: text) { return date }
        guard let dot = text.firstIndex(of: ".") else {
            return try? wholeSeconds.parse(text)
        }
        var end = text.index(after: dot)
        while end < text.endIndex, text[end].isNumber { end = text.index(after: end) }
        let digits = text[text.index(after: dot)..<end]
        guard !digits.isEmpty, let base = try? wholeSeconds.parse(String(text[..<dot] + text[end...])) else {
            return nil
        }
        let fraction = Double("0." + digits) ?? 0
        return base.addingTimeInterval(fraction)
    }
}
