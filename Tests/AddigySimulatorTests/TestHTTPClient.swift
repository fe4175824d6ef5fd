import Dispatch
import Foundation
import JSONCore
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// A failure of the test client, with what it was doing.
struct ClientError: Error, CustomStringConvertible {
    var description: String
}

/// One HTTP response as the test client received it.
struct TestResponse: Sendable {
    var status: Int
    /// Header names in lower case.
    var headers: [String: String]
    var body: [UInt8]

    /// The body parsed as JSON, or nil when it is not valid JSON.
    var json: JSONValue? { try? JSONParser.parse(body) }
}

/// A blocking HTTP/1.1 client over one TCP connection to 127.0.0.1, written for these tests
/// so that framing (Content-Length, keep-alive, early close) is checked byte by byte.
final class TestConnection {
    let descriptor: Int32
    private var buffer: [UInt8] = []

    init(port: Int) throws {
        // The descriptor is stored only once connected, so a failed init closes it exactly once
        // here and deinit never closes it.
        let candidate = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard candidate >= 0 else { throw ClientError(description: "socket() failed with errno \(errno)") }
        var timeout = timeval(tv_sec: 15, tv_usec: 0)
        setsockopt(candidate, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard TestConnection.connect(candidate, port: port) == 0 else {
            let code = errno
            close(candidate)
            throw ClientError(description: "connect to 127.0.0.1:\(port) failed with errno \(code)")
        }
        descriptor = candidate
    }

    deinit {
        close(descriptor)
    }

    /// Connects `descriptor` to 127.0.0.1:`port`; returns connect()'s result.
    static func connect(_ descriptor: Int32, port: Int) -> Int32 {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr = in_addr(s_addr: UInt32(0x7F00_0001).bigEndian)
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
    }

    /// Sends a request with a JSON body when `body` is set.
    func send(_ method: String, _ path: String, apiKey: String?, body: String?, headers: [String: String] = [:]) throws {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        if let apiKey { head += "x-api-key: \(apiKey)\r\n" }
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if let body {
            head += "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n"
        }
        try sendRaw(head + "\r\n" + (body ?? ""))
    }

    func sendRaw(_ text: String) throws {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            guard written > 0 else { throw ClientError(description: "send failed with errno \(errno)") }
            offset += written
        }
    }

    /// Reads one response framed by Content-Length; throws when the server closes early.
    func readResponse() throws -> TestResponse {
        while true {
            if let headEnd = find([13, 10, 13, 10]) {
                let head = String(decoding: buffer[..<headEnd], as: UTF8.self)
                var lines = head.components(separatedBy: "\r\n")
                let statusLine = lines.removeFirst().split(separator: " ")
                guard statusLine.count >= 2, let status = Int(statusLine[1]) else {
                    throw ClientError(description: "bad status line in \(head)")
                }
                var headers: [String: String] = [:]
                for line in lines {
                    guard let colon = line.firstIndex(of: ":") else { continue }
                    headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                }
                let length = Int(headers["content-length"] ?? "0") ?? 0
                let bodyStart = headEnd + 4
                while buffer.count < bodyStart + length {
                    guard try fill() else {
                        throw ClientError(description: "connection closed after \(buffer.count - bodyStart) of \(length) body bytes")
                    }
                }
                let body = Array(buffer[bodyStart..<(bodyStart + length)])
                buffer.removeFirst(bodyStart + length)
                if status == 100 { continue }
                return TestResponse(status: status, headers: headers, body: body)
            }
            guard try fill() else { throw ClientError(description: "connection closed before a response arrived") }
        }
    }

    /// Sends a request and reads its response.
    func request(_ method: String, _ path: String, apiKey: String? = "sim-token", body: String? = nil) throws -> TestResponse {
        try send(method, path, apiKey: apiKey, body: body)
        return try readResponse()
    }

    /// Returns whether the server closed the connection (EOF) before sending more bytes.
    func isClosedByServer() throws -> Bool {
        try !fill()
    }

    private func fill() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65_536)
        let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
        if count < 0 { throw ClientError(description: "recv failed with errno \(errno)") }
        if count == 0 { return false }
        buffer.append(contentsOf: chunk[0..<count])
        return true
    }

    private func find(_ pattern: [UInt8]) -> Int? {
        guard buffer.count >= pattern.count else { return nil }
        for index in 0...(buffer.count - pattern.count) where buffer[index..<(index + pattern.count)].elementsEqual(pattern) {
            return index
        }
        return nil
    }
}

/// Runs blocking socket work on a thread of its own; see `runBlocking` for why.
func blocking<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await runBlocking(work)
}

/// Sends one request on a new connection and returns the response.
func send(
    _ method: String, _ path: String, port: Int, apiKey: String? = "sim-token", body: String? = nil
) async throws -> TestResponse {
    try await blocking {
        try TestConnection(port: port).request(method, path, apiKey: apiKey, body: body)
    }
}
