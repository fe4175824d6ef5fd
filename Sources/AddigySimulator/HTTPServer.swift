import Dispatch
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A failure to start the simulator's server, with the cause and what to do about it.
public struct SimulatorError: Error, Sendable, CustomStringConvertible {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}

/// An HTTP/1.1 server on 127.0.0.1 that runs each connection on its own thread.
///
/// Connections stay open between requests (keep-alive) until the client closes them, sends
/// `Connection: close`, stays idle for `idleTimeoutSeconds`, or `stop()` is called.
final class HTTPServer: Sendable {
    static let idleTimeoutSeconds = 60
    static let maxConnections = 1_024

    typealias Handler = @Sendable (HTTPRequest) -> HTTPResponse
    typealias FramingErrorHandler = @Sendable (HTTPFramingError) -> Void

    private let state = Mutex(State())
    private let acceptFinished = DispatchSemaphore(value: 0)

    private struct State {
        var listenDescriptor: Int32 = -1
        var connections: Set<Int32> = []
        var isStarted = false
        var isStopped = false
    }

    init() {}

    /// Binds 127.0.0.1:`port` (0 picks a free port), starts accepting, and returns the port.
    /// `handler` returns the response to each request and runs on the connection's thread.
    /// `onFramingError` is called for each request that could not be framed, before the
    /// server sends the error response and closes the connection.
    func start(port: Int, handler: @escaping Handler, onFramingError: @escaping FramingErrorHandler) throws -> Int {
        guard (0...65_535).contains(port) else {
            throw SimulatorError("Port \(port) is out of range; choose 0 (any free port) to 65535.")
        }
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else {
            throw SimulatorError("socket() failed: \(String(cString: strerror(errno))).")
        }
        var reuse: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))

        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr = in_addr(s_addr: UInt32(0x7F00_0001).bigEndian)
        let bound = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(descriptor, 128) == 0 else {
            let code = errno
            close(descriptor)
            throw SimulatorError(
                "Binding 127.0.0.1:\(port) failed: \(String(cString: strerror(code))) (errno \(code)). "
                    + "Choose another port, or 0 for any free port."
            )
        }

        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        let boundPort = Int(UInt16(bigEndian: actual.sin_port))

        try state.withLock { state in
            guard !state.isStarted else {
                close(descriptor)
                throw SimulatorError("The simulator was already started; create a new AddigySimulator to start again.")
            }
            state.isStarted = true
            state.listenDescriptor = descriptor
        }
        Thread.detachNewThread { [self] in acceptLoop(descriptor, handler: handler, onFramingError: onFramingError) }
        return boundPort
    }

    /// Stops accepting, closes every connection and waits up to two seconds for their threads.
    func stop() {
        let (wasStarted, listenDescriptor) = state.withLock { state in
            let wasRunning = state.isStarted && !state.isStopped
            state.isStopped = true
            return (wasRunning, state.listenDescriptor)
        }
        guard wasStarted else { return }
        shutdown(listenDescriptor, Int32(SHUT_RDWR))
        acceptFinished.wait()

        state.withLock { state in
            for descriptor in state.connections {
                shutdown(descriptor, Int32(SHUT_RDWR))
            }
        }
        let deadline = DispatchTime.now() + .seconds(2)
        while state.withLock({ !$0.connections.isEmpty }) && DispatchTime.now() < deadline {
            usleep(1_000)
        }
    }

    private func acceptLoop(_ listenDescriptor: Int32, handler: @escaping Handler, onFramingError: @escaping FramingErrorHandler) {
        defer {
            close(listenDescriptor)
            acceptFinished.signal()
        }
        while true {
            let descriptor = accept(listenDescriptor, nil, nil)
            if descriptor < 0 {
                let code = errno
                if state.withLock({ $0.isStopped }) { return }
                if code == EMFILE || code == ENFILE || code == ENOMEM || code == ENOBUFS {
                    usleep(10_000)
                }
                continue
            }
            let accepted = state.withLock { state in
                guard !state.isStopped, state.connections.count < HTTPServer.maxConnections else { return false }
                state.connections.insert(descriptor)
                return true
            }
            guard accepted else {
                close(descriptor)
                continue
            }
            _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
            Thread.detachNewThread { [self] in serve(descriptor, handler: handler, onFramingError: onFramingError) }
        }
    }

    private func serve(_ descriptor: Int32, handler: Handler, onFramingError: FramingErrorHandler) {
        defer {
            state.withLock { state in
                state.connections.remove(descriptor)
                close(descriptor)
            }
        }
        var timeout = timeval(tv_sec: HTTPServer.idleTimeoutSeconds, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var noDelay: Int32 = 1
        setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &noDelay, socklen_t(MemoryLayout<Int32>.size))

        var parser = HTTPRequestParser()
        var readBuffer = [UInt8](repeating: 0, count: 64 * 1024)
        var sentContinue = false

        while true {
            do {
                while let request = try parser.nextRequest() {
                    sentContinue = false
                    let response = handler(request)
                    let stopping = state.withLock { $0.isStopped }
                    let keepOpen = request.wantsKeepAlive && response.bytesSentBeforeClose == nil && !stopping
                    guard send(response, to: descriptor, keepOpen: keepOpen), keepOpen else { return }
                }
                if !sentContinue, let head = try parser.peekHead(), head.header("expect")?.lowercased() == "100-continue" {
                    sentContinue = true
                    guard write(Array("HTTP/1.1 100 Continue\r\n\r\n".utf8), to: descriptor) else { return }
                }
            } catch {
                onFramingError(error)
                _ = send(.error(error.status, error.message), to: descriptor, keepOpen: false)
                return
            }

            let count = readBuffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return }
            readBuffer.withUnsafeBytes { parser.append(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
        }
    }

    /// Writes the response; returns false when the connection failed.
    private func send(_ response: HTTPResponse, to descriptor: Int32, keepOpen: Bool) -> Bool {
        var bytes = response.head(closeConnection: !keepOpen)
        if let cut = response.bytesSentBeforeClose {
            bytes.append(contentsOf: response.body.prefix(cut))
        } else {
            bytes.append(contentsOf: response.body)
        }
        return write(bytes, to: descriptor)
    }

    private func write(_ bytes: [UInt8], to descriptor: Int32) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { raw in
                Glibc.send(descriptor, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
            }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { return false }
            offset += written
        }
        return true
    }
}
