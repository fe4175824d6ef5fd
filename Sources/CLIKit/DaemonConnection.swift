import Foundation
import JSONCore

#if canImport(Glibc)
import Glibc
#endif

/// A message from the daemon without an id, such as a `sync.progress` event.
public struct Notification: Sendable {
    public let method: String
    public let params: JSONValue
}

/// A blocking JSON-RPC connection to the daemon's Unix socket, one JSON message per line.
///
/// Replies are matched to requests by id. Notifications that arrive while a reply is awaited are
/// queued for `nextNotification`. The command-line client is single-threaded, so blocking here is
/// what it needs.
public final class DaemonConnection {
    public let socketPath: String
    private let descriptor: Int32
    private var buffer: [UInt8] = []
    private var nextID = 1
    private var queuedNotifications: [Notification] = []

    /// The number of seconds a call waits for its reply before it fails.
    public var callTimeout: Double = 300

    /// Connects to the socket at `path`.
    ///
    /// Throws `CommandFailure` with a sentence that explains how to start the daemon when nothing
    /// listens there. `defaultPath` is the path the daemon uses without `--socket`, so the sentence
    /// can name the plain `addigysyncd` command when it applies.
    public init(socketPath path: String, defaultPath: String) throws {
        socketPath = path
        descriptor = try Self.connect(path: path, defaultPath: defaultPath)
    }

    deinit {
        close(descriptor)
    }

    private static func connect(path: String, defaultPath: String) throws -> Int32 {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard bytes.count < capacity else {
            throw CommandFailure(
                "The socket path \(path) is \(bytes.count) bytes long, but a Unix socket path must be shorter than "
                    + "\(capacity) bytes. Start the daemon with a shorter --socket path and pass the same path here."
            )
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }

        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else {
            throw CommandFailure("Creating a Unix socket failed: \(String(cString: strerror(errno))).")
        }
        let result = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard result == 0 else {
            let code = errno
            close(descriptor)
            throw connectFailure(path: path, defaultPath: defaultPath, errorNumber: code)
        }
        return descriptor
    }

    /// Returns the sentence for a failed `connect()`, naming the command that starts the daemon.
    static func connectFailure(path: String, defaultPath: String, errorNumber: Int32) -> CommandFailure {
        let start = path == defaultPath ? "addigysyncd" : "addigysyncd --socket \(path)"
        switch errorNumber {
        case ENOENT:
            return CommandFailure(
                "The AddigySync daemon is not running: the socket \(path) does not exist. Start the daemon with "
                    + "`\(start)`, or pass the socket it listens on with --socket."
            )
        case ECONNREFUSED:
            return CommandFailure(
                "The AddigySync daemon is not running: nothing accepts connections on \(path), which is left over "
                    + "from a stopped daemon or is not a socket. Start the daemon with `\(start)`."
            )
        case EACCES, EPERM:
            return CommandFailure(
                "Permission denied connecting to \(path). The socket admits only the daemon's user and, when the "
                    + "daemon runs with --socket-group, that group. Run as one of them."
            )
        default:
            return CommandFailure(
                "Connecting to the AddigySync daemon at \(path) failed: \(String(cString: strerror(errorNumber)))."
            )
        }
    }

    // MARK: Requests

    /// Sends a request and returns its `result`.
    ///
    /// Throws `DaemonError` for an error reply, and `CommandFailure` when the connection closes or
    /// no reply arrives within `callTimeout` seconds.
    public func call(_ method: String, _ params: JSONObject? = nil) throws -> JSONValue {
        let id = nextID
        nextID += 1
        var request: JSONObject = ["jsonrpc": "2.0", "id": .number(JSONNumber(id)), "method": .string(method)]
        if let params {
            request["params"] = .object(params)
        }
        try send(JSONWriter.encode(.object(request)) + [UInt8(ascii: "\n")])

        let deadline = Date().addingTimeInterval(callTimeout)
        while true {
            guard let message = try readMessage(until: deadline) else {
                throw CommandFailure(
                    "The daemon did not reply to \(method) within \(Int(callTimeout)) seconds. It may still be "
                        + "working on it; check its log, then try again."
                )
            }
            if let reply = message.objectValue, reply.contains("id"), !reply.contains("method") {
                let replyID = reply["id"] ?? .null
                if replyID == .number(JSONNumber(id)) {
                    return try result(of: reply, method: method)
                }
                if replyID.isNull, let error = reply["error"] {
                    // An error that belongs to no request, such as ServerBusy before the connection closes.
                    throw daemonError(error, method: method)
                }
                continue
            }
            queue(message)
        }
    }

    /// Returns the next notification, or nil when none arrives within `timeout` seconds.
    ///
    /// Throws `CommandFailure` when the daemon closes the connection.
    public func nextNotification(timeout: Double) throws -> Notification? {
        if !queuedNotifications.isEmpty {
            return queuedNotifications.removeFirst()
        }
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            guard let message = try readMessage(until: deadline) else {
                return nil
            }
            queue(message)
            if !queuedNotifications.isEmpty {
                return queuedNotifications.removeFirst()
            }
        }
    }

    private func queue(_ message: JSONValue) {
        guard let object = message.objectValue, !object.contains("id"), let method = object["method"]?.stringValue else {
            return
        }
        queuedNotifications.append(Notification(method: method, params: object["params"] ?? .null))
    }

    private func result(of reply: JSONObject, method: String) throws -> JSONValue {
        if let error = reply["error"] {
            throw daemonError(error, method: method)
        }
        return reply["result"] ?? .null
    }

    private func daemonError(_ error: JSONValue, method: String) -> DaemonError {
        let code = error["code"]?.int64Value.map(Int.init) ?? 0
        let message = error["message"]?.stringValue ?? "The daemon returned error \(code) without a message."
        return DaemonError(method: method, code: code, message: message, data: error["data"])
    }

    // MARK: Lines

    private func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let count = bytes.withUnsafeBytes { raw in
                Glibc.send(descriptor, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
            }
            if count < 0 {
                if errno == EINTR { continue }
                throw CommandFailure(
                    "Sending to the daemon at \(socketPath) failed: \(String(cString: strerror(errno))). "
                        + "The daemon may have stopped; start it and try again."
                )
            }
            offset += count
        }
    }

    /// Reads and parses one line, or returns nil when the deadline passes first.
    private func readMessage(until deadline: Date) throws -> JSONValue? {
        while true {
            if let newline = buffer.firstIndex(of: 0x0A) {
                var line = Array(buffer[..<newline])
                buffer.removeSubrange(...newline)
                if line.last == 0x0D {
                    line.removeLast()
                }
                if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) {
                    continue
                }
                do {
                    return try JSONParser.parse(line)
                } catch {
                    throw CommandFailure(
                        "The daemon sent a line that is not valid JSON (\(error)). Check that \(socketPath) is an "
                            + "AddigySync daemon socket."
                    )
                }
            }
            let remaining = deadline.timeIntervalSinceNow
            guard remaining > 0 else {
                return nil
            }
            var pollDescriptor = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let ready = poll(&pollDescriptor, 1, Int32(min(remaining, 1) * 1000) + 1)
            if ready == 0 { continue }
            if ready < 0 {
                if errno == EINTR { continue }
                throw CommandFailure("Waiting for the daemon failed: \(String(cString: strerror(errno))).")
            }
            var chunk = [UInt8](repeating: 0, count: 65_536)
            let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                if errno != ECONNRESET {
                    throw CommandFailure("Reading from the daemon failed: \(String(cString: strerror(errno))).")
                }
            }
            if count <= 0 {
                throw CommandFailure(
                    "The daemon closed the connection on \(socketPath). It may have stopped or restarted; check "
                        + "its log and run the command again."
                )
            }
            buffer.append(contentsOf: chunk[0..<count])
        }
    }
}
