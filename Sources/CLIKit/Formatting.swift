import Foundation
import JSONCore

/// Formatting of daemon values for human-readable output.
enum Format {
    /// Formats a value: strings as they are, numbers as sent, booleans as yes/no and null as "-".
    static func text(_ value: JSONValue?) -> String {
        switch value {
        case .none, .null?: "-"
        case .string(let string)?: string
        case .number(let number)?: number.text
        case .bool(let flag)?: flag ? "yes" : "no"
        case .array(let elements)?: elements.map { text($0) }.joined(separator: ", ")
        case .object?: value!.description
        }
    }

    /// Shortens a daemon timestamp (RFC 3339 in UTC) to `2026-01-31 14:05:09 UTC`, and null to "-".
    static func timestamp(_ value: JSONValue?) -> String {
        guard let text = value?.stringValue else { return "-" }
        guard let date = parseTimestamp(text) else { return text }
        return displayFormatter.string(from: date) + " UTC"
    }

    private static let displayFormatter: DateFormatter = {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return formatter
    }()

    /// Parses an RFC 3339 timestamp with or without fractional seconds.
    static func parseTimestamp(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) {
            return date
        }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }

    /// Formats the time between two daemon timestamps as "0.6 s", "2 min 5 s" or "1 h 3 min".
    /// Returns nil when either is missing.
    static func duration(from start: JSONValue?, to end: JSONValue?) -> String? {
        guard let startText = start?.stringValue, let endText = end?.stringValue,
            let startDate = parseTimestamp(startText), let endDate = parseTimestamp(endText)
        else { return nil }
        return seconds(endDate.timeIntervalSince(startDate))
    }

    static func seconds(_ interval: Double) -> String {
        if interval < 1 {
            return String(format: "%.2f s", interval)
        }
        if interval < 60 {
            return String(format: "%.1f s", interval)
        }
        let whole = Int(interval.rounded())
        if whole < 3600 {
            return "\(whole / 60) min \(whole % 60) s"
        }
        return "\(whole / 3600) h \(whole % 3600 / 60) min"
    }

    /// "1 device" or "3 devices".
    static func count(_ number: Int, _ singular: String, _ plural: String? = nil) -> String {
        "\(number) \(number == 1 ? singular : (plural ?? singular + "s"))"
    }

    /// Splits a camelCase key into lower-case words: `autoImported` becomes "auto imported".
    static func words(_ key: String) -> String {
        var output = ""
        for character in key {
            if character.isUppercase {
                output += " " + character.lowercased()
            } else {
                output.append(character)
            }
        }
        return output
    }

    /// Lists the non-zero members of a count object: `{"added": 3, "updated": 0}` becomes "added 3",
    /// and an object of zeros becomes "no changes".
    static func counts(_ object: JSONObject) -> String {
        let nonZero = object.members.filter { $0.value.int64Value != 0 }
        guard !nonZero.isEmpty else { return "no changes" }
        return nonZero.map { "\(words($0.key)) \(text($0.value))" }.joined(separator: ", ")
    }

    /// Formats a confidence from 0 to 1 as "0.93", or "-" when it is missing.
    static func confidence(_ value: JSONValue?) -> String {
        guard let number = value?.doubleValue else { return "-" }
        return String(format: "%.2f", number)
    }

    /// Joins a policy path as "Acme Corp / Laptops / Sales".
    static func path(_ value: JSONValue?) -> String {
        let names = value?.arrayValue?.compactMap(\.stringValue) ?? []
        return names.isEmpty ? "-" : names.joined(separator: " / ")
    }
}

extension JSONValue {
    /// The integer value of a count, or 0 when it is missing or not an integer.
    var intValue: Int {
        int64Value.map(Int.init) ?? 0
    }

    /// The elements of an array, or an empty array for anything else.
    var elements: [JSONValue] {
        arrayValue ?? []
    }
}
