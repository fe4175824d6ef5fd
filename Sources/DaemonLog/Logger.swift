import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Log levels, from the most verbose to the most severe.
///
/// The daemon uses them by rule: `debug` for per-request detail, `info` for routine events,
/// `notice` for lifecycle (start, listening, stop), `warning` for problems it works around,
/// and `error` for failures that no caller sees in a reply.
public enum LogLevel: Int, Sendable, Comparable, CaseIterable, CustomStringConvertible {
    case trace, debug, info, notice, warning, error, critical

    public init?(name: String) {
        guard let level = Self.allCases.first(where: { $0.description == name.lowercased() }) else { return nil }
        self = level
    }

    public var description: String {
        switch self {
        case .trace: "trace"
        case .debug: "debug"
        case .info: "info"
        case .notice: "notice"
        case .warning: "warning"
        case .error: "error"
        case .critical: "critical"
        }
    }

    public static func < (lhs: LogLevel, rhs: LogLevel) -> Bool {
        lhs.rawValue < rhs.rawValue
    }
}

/// The destination of log lines: standard error by default, or memory for tests.
///
/// One sink is shared by every logger of a process; it serializes writes so that lines from
/// concurrent tasks never interleave.
public final class LogSink: Sendable {
    private enum Destination {
        case standardError
        case memory([String])
    }

    private let state: Mutex<(level: LogLevel, destination: Destination)>

    /// Creates a sink that writes to standard error.
    public init(level: LogLevel) {
        state = Mutex((level, .standardError))
    }

    /// Creates a sink that keeps lines in memory, for tests that check what was logged.
    public static func inMemory(level: LogLevel = .trace) -> LogSink {
        let sink = LogSink(level: level)
        sink.state.withLock { $0.destination = .memory([]) }
        return sink
    }

    public var level: LogLevel {
        get { state.withLock { $0.level } }
        set { state.withLock { $0.level = newValue } }
    }

    /// The lines written so far, for an in-memory sink; empty otherwise.
    public var lines: [String] {
        state.withLock { state in
            if case .memory(let lines) = state.destination { return lines }
            return []
        }
    }

    func write(_ line: String, level: LogLevel) {
        state.withLock { state in
            guard level >= state.level else { return }
            switch state.destination {
            case .standardError:
                var bytes = Array(line.utf8)
                bytes.append(0x0A)
                bytes.withUnsafeBytes { buffer in
                    var offset = 0
                    while offset < buffer.count {
                        let written = Glibc.write(2, buffer.baseAddress! + offset, buffer.count - offset)
                        if written <= 0 { break }
                        offset += written
                    }
                }
            case .memory(var lines):
                state.destination = .memory([])
                lines.append(line)
                state.destination = .memory(lines)
            }
        }
    }

    func accepts(_ level: LogLevel) -> Bool {
        state.withLock { level >= $0.level }
    }
}

/// A structured logger that writes logfmt lines: `ts=… level=… msg="…" key=value …`.
///
/// The message is a short constant phrase; variable data goes in metadata under dotted keys
/// (`conn.id`, `rpc.method`, `tenant.id`). Callers must never pass a secret (an access key,
/// an Addigy API token or a request body) as a message or a metadata value.
public struct Logger: Sendable {
    public let sink: LogSink
    public private(set) var metadata: [(key: String, value: String)]

    public init(sink: LogSink, metadata: [(key: String, value: String)] = []) {
        self.sink = sink
        self.metadata = metadata
    }

    /// Returns a copy of this logger that adds `value` under `key` to every line, replacing an
    /// earlier value of the same key so that a key never appears twice in a line.
    public func with(_ key: String, _ value: CustomStringConvertible) -> Logger {
        var copy = self
        if let index = copy.metadata.firstIndex(where: { $0.0 == key }) {
            copy.metadata[index].1 = value.description
        } else {
            copy.metadata.append((key, value.description))
        }
        return copy
    }

    public func isEnabled(_ level: LogLevel) -> Bool {
        sink.accepts(level)
    }

    public func log(_ level: LogLevel, _ message: String, _ fields: [(String, CustomStringConvertible)] = []) {
        guard sink.accepts(level) else { return }
        var line = "ts=" + currentTimestamp() + " level=" + level.description
        line += " msg=" + Self.quote(message)
        for (key, value) in metadata {
            line += " " + key + "=" + Self.quote(value)
        }
        for (key, value) in fields {
            line += " " + key + "=" + Self.quote(value.description)
        }
        sink.write(line, level: level)
    }

    public func trace(_ message: String, _ fields: [(String, CustomStringConvertible)] = []) {
        log(.trace, message, fields)
    }

    public func debug(_ message: String, _ fields: [(String, CustomStringConvertible)] = []) {
        log(.debug, message, fields)
    }

    public func info(_ message: String, _ fields: [(String, CustomStringConvertible)] = []) {
        log(.info, message, fields)
    }

    public func notice(_ message: String, _ fields: [(String, CustomStringConvertible)] = []) {
        log(.notice, message, fields)
    }

    public func warning(_ message: String, _ fields: [(String, CustomStringConvertible)] = []) {
        log(.warning, message, fields)
    }

    public func error(_ message: String, _ fields: [(String, CustomStringConvertible)] = []) {
        log(.error, message, fields)
    }

    /// Quotes a logfmt value when it is empty or contains a space, quote, equals sign or control
    /// character; backslash, quote and line breaks are escaped so one event stays on one line.
    static func quote(_ value: String) -> String {
        let needsQuotes = value.isEmpty || value.unicodeScalars.contains { scalar in
            scalar == " " || scalar == "\"" || scalar == "=" || scalar == "\\" || scalar.value < 0x20
        }
        guard needsQuotes else { return value }
        var quoted = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": quoted += "\\\""
            case "\\": quoted += "\\\\"
            case "\n": quoted += "\\n"
            case "\r": quoted += "\\r"
            case "\t": quoted += "\\t"
            default:
                if scalar.value < 0x20 {
                    quoted += "\\u{" + String(scalar.value, radix: 16) + "}"
                } else {
                    quoted.unicodeScalars.append(scalar)
                }
            }
        }
        return quoted + "\""
    }
}

/// Formats the current UTC time with milliseconds, such as `2026-12-04T19:51:39.123Z`.
private func currentTimestamp() -> String {
    var time = timespec()
    clock_gettime(CLOCK_REALTIME, &time)
    var parts = tm()
    var seconds = time.tv_sec
    gmtime_r(&seconds, &parts)
    let millis = time.tv_nsec / 1_000_000
    return String(
        format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
        parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday, parts.tm_hour, parts.tm_min, parts.tm_sec, millis
    )
}
