import Foundation
import JSONCore
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// A scripted JSON-RPC server on a Unix socket, for protocol features the real daemon does not
/// have yet (`events.subscribe`, `sync.status`) and for runs that fail on purpose.
///
/// It serves one connection at a time on a thread of its own, which is what one CLI run needs.
final class FakeDaemon: @unchecked Sendable {
    /// What the server sends for one request: a result or an error, then any notification lines.
    struct Reply {
        var result: JSONValue?
        var error: (code: Int, message: String)?
        var notifications: [JSONValue] = []

        static func result(_ value: JSONValue, then notifications: [JSONValue] = []) -> Reply {
            Reply(result: value, notifications: notifications)
        }

        static func error(_ code: Int, _ message: String) -> Reply {
            Reply(error: (code, message))
        }
    }

    typealias Handler = @Sendable (_ method: String, _ params: JSONValue) -> Reply

    let socketPath: String
    private let listener: Int32
    private let handler: Handler
    private let lock = NSLock()
    private var methods: [String] = []

    init(socketPath: String, handler: @escaping Handler) throws {
        self.socketPath = socketPath
        self.handler = handler
        listener = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(socketPath.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let bound = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(listener, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard bound == 0, listen(listener, 8) == 0 else {
            close(listener)
            throw LineClient.Failure(description: "the fake daemon cannot listen on \(socketPath): errno \(errno)")
        }
        let thread = Thread { [self] in serve() }
        thread.start()
    }

    deinit {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    /// The methods received so far, in order.
    var receivedMethods: [String] {
        lock.withLock { methods }
    }

    private func serve() {
        while true {
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else { return }
            handle(connection)
            close(connection)
        }
    }

    private func handle(_ connection: Int32) {
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(connection, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { return }
            buffer += chunk[0..<count]
            while let newline = buffer.firstIndex(of: 0x0A) {
                let line = Array(buffer[..<newline])
                buffer.removeSubrange(...newline)
                guard let request = try? JSONParser.parse(line), let method = request["method"]?.stringValue else { continue }
                lock.withLock { methods.append(method) }
                let reply = handler(method, request["params"] ?? .null)
                var message: JSONObject = ["jsonrpc": "2.0", "id": request["id"] ?? .null]
                if let error = reply.error {
                    message["error"] = ["code": .number(JSONNumber(error.code)), "message": .string(error.message)]
                } else {
                    message["result"] = reply.result ?? .null
                }
                write(.object(message), to: connection)
                for notification in reply.notifications {
                    write(notification, to: connection)
                }
            }
        }
    }

    private func write(_ value: JSONValue, to connection: Int32) {
        let bytes = JSONWriter.encode(value) + [0x0A]
        _ = bytes.withUnsafeBytes { Glibc.send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Builds a notification: a message with `method` and `params` but no id.
    static func notification(_ topic: String, _ params: JSONValue) -> JSONValue {
        ["jsonrpc": "2.0", "method": .string(topic), "params": params]
    }
}

/// A pseudo-terminal: the test keeps the controlling side, the CLI gets the terminal side.
final class PseudoTerminal: @unchecked Sendable {
    let controller: Int32
    let terminal: FileHandle

    private typealias DescriptorFunction = @convention(c) (Int32) -> Int32
    private typealias NameFunction = @convention(c) (Int32) -> UnsafeMutablePointer<CChar>?

    /// Looks up a C library function that the Glibc module does not export, because glibc declares
    /// it only for X/Open builds: posix_openpt, grantpt, unlockpt and ptsname.
    private static func libraryFunction<T>(_ name: String, as type: T.Type) throws -> T {
        guard let handle = dlopen(nil, RTLD_NOW), let symbol = dlsym(handle, name) else {
            throw LineClient.Failure(description: "the C library has no \(name)")
        }
        return unsafeBitCast(symbol, to: type)
    }

    init() throws {
        let openController = try Self.libraryFunction("posix_openpt", as: DescriptorFunction.self)
        let grant = try Self.libraryFunction("grantpt", as: DescriptorFunction.self)
        let unlock = try Self.libraryFunction("unlockpt", as: DescriptorFunction.self)
        let terminalName = try Self.libraryFunction("ptsname", as: NameFunction.self)
        controller = openController(O_RDWR | O_NOCTTY)
        guard controller >= 0, grant(controller) == 0, unlock(controller) == 0, let name = terminalName(controller) else {
            throw LineClient.Failure(description: "no pseudo-terminal available: errno \(errno)")
        }
        let terminalDescriptor = open(String(cString: name), O_RDWR | O_NOCTTY)
        guard terminalDescriptor >= 0 else {
            throw LineClient.Failure(description: "cannot open \(String(cString: name)): errno \(errno)")
        }
        terminal = FileHandle(fileDescriptor: terminalDescriptor, closeOnDealloc: true)
    }

    deinit {
        close(controller)
    }

    func write(_ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { Glibc.write(controller, $0.baseAddress, $0.count) }
    }

    /// Everything the CLI wrote to the terminal so far, waiting up to `timeout` seconds for the first bytes.
    func readAvailable(timeout: Double) -> String {
        var output: [UInt8] = []
        var wait = Int32(timeout * 1000)
        while true {
            var descriptor = pollfd(fd: controller, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, wait) > 0 else { break }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let count = chunk.withUnsafeMutableBytes { read(controller, $0.baseAddress, $0.count) }
            guard count > 0 else { break }
            output += chunk[0..<count]
            wait = 100
        }
        return String(decoding: output, as: UTF8.self)
    }
}
