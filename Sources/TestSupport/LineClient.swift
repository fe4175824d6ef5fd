import Foundation
import JSONCore

#if canImport(Glibc)
import Glibc
#endif

/// A JSON-RPC line client over a Unix socket, for tests and the benchmark.
///
/// It sends raw bytes, so tests can send malformed or split input, and reads replies line by
/// line with a timeout so that a missing reply fails the test instead of hanging it.
///
/// The socket calls block, so every method runs them on the client's own Dispatch queue and
/// suspends the caller meanwhile. Blocking the Swift concurrency pool instead would starve an
/// in-process server of the threads its handlers need: on a 2-core machine the pool has only two.
///
/// - Important: use one client from one task at a time.
public final class LineClient: @unchecked Sendable {
    public let fd: Int32
    private var buffer: [UInt8] = []
    private var nextID = 1
    private var bufferedNotifications: [JSONValue] = []
    private let queue = DispatchQueue(label: "addigysync.test.client")

    private func offload<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result { try body() })
            }
        }
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String

        public init(description: String) {
            self.description = description
        }
    }

    /// Connects to the socket at `path`.
    public init(path: String) throws {
        fd = try Self.connectedSocket(path: path)
    }

    /// Returns a descriptor connected to `path`. It is a separate step so that a failed
    /// connection closes its descriptor here, once, and `deinit` never closes it a second
    /// time (which could close a descriptor number another thread reused meanwhile).
    private static func connectedSocket(path: String) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket() failed: errno \(errno)") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            close(fd)
            throw Failure(description: "socket path too long: \(path)")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let result = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard result == 0 else {
            let code = errno
            close(fd)
            throw Failure(description: "connect(\(path)) failed: \(String(cString: strerror(code)))")
        }
        return fd
    }

    deinit {
        close(fd)
    }

    /// Sends all of `bytes`, retrying partial writes.
    public func send(_ bytes: [UInt8]) async throws {
        try await offload { try self.sendBlocking(bytes) }
    }

    public func send(_ text: String) async throws {
        try await send(Array(text.utf8))
    }

    /// Sends `text` followed by a newline.
    public func sendLine(_ text: String) async throws {
        try await send(text + "\n")
    }

    /// Reads one line without its terminator, or `nil` when the server closed the connection.
    /// Throws when no full line arrives within `timeout` seconds.
    public func readLine(timeout: Double = 30) async throws -> String? {
        try await offload { try self.readLineBlocking(timeout: timeout) }
    }

    /// Reads one line and parses it as JSON; throws if the connection closed instead.
    public func readJSON(timeout: Double = 30) async throws -> JSONValue {
        guard let line = try await readLine(timeout: timeout) else {
            throw Failure(description: "the server closed the connection instead of replying")
        }
        return try JSONParser.parse(line)
    }

    /// Returns whether the server sends nothing within `seconds`, consuming nothing either way.
    public func isSilent(for seconds: Double) async throws -> Bool {
        try await offload { self.isSilentBlocking(for: seconds) }
    }

    /// Sends a request with a fresh numeric id and returns the whole reply object.
    public func call(_ method: String, _ params: JSONValue? = nil, timeout: Double = 30) async throws -> JSONValue {
        let id = nextID
        nextID += 1
        var request: JSONObject = ["jsonrpc": "2.0", "id": .number(JSONNumber(id)), "method": .string(method)]
        if let params {
            request["params"] = params
        }
        try await sendLine(JSONValue.object(request).description)
        while true {
            let reply = try await readJSON(timeout: timeout)
            if reply["id"] == .number(JSONNumber(id)) {
                return reply
            }
            if reply["id"] == nil, reply["method"] != nil {
                bufferedNotifications.append(reply)
            }
        }
    }

    /// Returns the next server notification, a message with a method and no id. Notifications that
    /// arrived while `call` waited for a reply come first. Returns `nil` after `timeout` seconds.
    public func nextNotification(timeout: Double = 30) async throws -> JSONValue? {
        if !bufferedNotifications.isEmpty {
            return bufferedNotifications.removeFirst()
        }
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let line: String?
            do {
                line = try await readLine(timeout: max(0.01, deadline.timeIntervalSinceNow))
            } catch {
                return nil
            }
            guard let line else { return nil }
            let message = try JSONParser.parse(line)
            if message["id"] == nil, message["method"] != nil {
                return message
            }
        }
        return nil
    }

    // MARK: Blocking implementations, run on `queue`

    public func sendBlocking(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let count = bytes.withUnsafeBytes {
                Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL))
            }
            if count < 0 {
                if errno == EINTR { continue }
                throw Failure(description: "send failed: \(String(cString: strerror(errno)))")
            }
            offset += count
        }
    }

    /// Reads one line without its terminator, or `nil` when the server closed the connection.
    public func readLineBlocking(timeout: Double) throws -> String? {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let newline = buffer.firstIndex(of: 0x0A) {
                let line = Array(buffer[..<newline])
                buffer.removeSubrange(...newline)
                return String(decoding: line, as: UTF8.self)
            }
            let remaining = deadline.timeIntervalSinceNow
            guard remaining > 0 else {
                throw Failure(description: "no reply line within \(timeout) s")
            }
            var pollDescriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&pollDescriptor, 1, Int32(min(remaining, 1) * 1000))
            if ready == 0 { continue }
            if ready < 0 {
                if errno == EINTR { continue }
                throw Failure(description: "poll failed: errno \(errno)")
            }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count == 0 {
                return nil
            }
            if count < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                if errno == ECONNRESET { return nil }
                throw Failure(description: "recv failed: \(String(cString: strerror(errno)))")
            }
            buffer.append(contentsOf: chunk[0..<count])
        }
    }

    func isSilentBlocking(for seconds: Double) -> Bool {
        if buffer.contains(0x0A) { return false }
        var pollDescriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&pollDescriptor, 1, Int32(seconds * 1000)) == 0
    }
}
