import Foundation
import JSONCore

/// Timestamps as the store writes them: ISO 8601 in UTC with milliseconds, which sort as text.
public enum Timestamp {
    public static func string(_ date: Date) -> String {
        ISO8601.string(from: date)
    }

    public static func now() -> String {
        string(Date())
    }

    public static func date(_ text: String) -> Date? {
        ISO8601.date(from: text)
    }
}
