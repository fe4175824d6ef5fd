import Foundation
import Testing

@testable import JSONCore

@Suite struct ISO8601Tests {
    @Test(arguments: [
        ("1970-01-01T00:00:00.000Z", 0.0),
        ("2026-12-01T08:00:00.718Z", 1_796_112_000.718),
        ("2000-02-29T23:59:59.999Z", 951_868_799.999),
        ("1969-12-31T23:59:59.500Z", -0.5),
        ("2400-03-01T00:00:00.000Z", 13_574_649_600.0),
    ])
    func knownInstants(text: String, epochSeconds: Double) throws {
        let date = Date(timeIntervalSince1970: epochSeconds)
        #expect(ISO8601.string(from: date) == text)
        let parsed = try #require(ISO8601.date(from: text))
        #expect(abs(parsed.timeIntervalSince1970 - epochSeconds) < 0.0005)
    }

    @Test func roundTripsMilliseconds() {
        for milliseconds in stride(from: 0, to: 1000, by: 7) {
            let date = Date(timeIntervalSince1970: 1_796_112_000 + Double(milliseconds) / 1000)
            let text = ISO8601.string(from: date)
            #expect(ISO8601.date(from: text).map(ISO8601.string(from:)) == text, "\(text) reads back the same")
        }
    }

    @Test func matchesFoundationFormat() {
        let style = Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt)
        // From 1696 on: Foundation counts older dates on the Julian calendar.
        for day in stride(from: -100_000, to: 800_000, by: 997) {
            let date = Date(timeIntervalSince1970: Double(day) * 86_400 + 45_296.125)
            #expect(ISO8601.string(from: date) == date.formatted(style))
        }
    }

    @Test(arguments: [
        ("2024-05-01T10:00:00Z", 1_714_557_600.0), ("2024-05-01T10:00:00.5Z", 1_714_557_600.5),
        ("2024-05-01T10:00:00.123456789Z", 1_714_557_600.123456789), ("2024-05-01T12:00:00+02:00", 1_714_557_600.0),
        ("2024-05-01T05:30:00-04:30", 1_714_557_600.0),
    ])
    func parsesAddigySpellings(text: String, epochSeconds: Double) throws {
        let parsed = try #require(ISO8601.date(from: text))
        #expect(abs(parsed.timeIntervalSince1970 - epochSeconds) < 0.000001)
    }

    @Test(arguments: ["", "2024-13-01T00:00:00Z", "2024-02-30T00:00:00Z", "2024-05-01T24:00:00Z", "2024-05-01",
                      "2024-05-01T10:00:00", "2024-05-01T10:00:00.Z", "Date:2011-08-06", "2024-05-01T10:00:00Zjunk"])
    func rejectsInvalidText(text: String) {
        #expect(ISO8601.date(from: text) == nil)
    }
}
