import Foundation
import JSONCore

/// Timestamps as the store writes them: ISO 8601 in UTC with milliseconds, which sort as text.
public enum Timestamp {
    private static let style = Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt)

    public static func string(_ date: Date) -> String {
        ISO8601.string(from: date)
    }

    public static func now() -> String {
        string(Date())
    }

    public static func date(_ text: String) -> Date? {
        try? style.parse(text)
    }
}
