import Foundation

/// Timestamps as the store writes them: ISO 8601 in UTC with milliseconds, which sort as text.
public enum Timestamp {
    private static let style = Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt)

    public static func string(_ date: Date) -> String {
        date.formatted(style)
    }

    public static func now() -> String {
        string(Date())
    }

    public static func date(_ text: String) -> Date? {
        try? style.parse(text)
    }
}
