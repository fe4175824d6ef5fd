import Dispatch
import Foundation
import JSONCore
import RPCCore
import DaemonLog
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Accepts connections on a Unix socket and runs each through the service.
///
/// Call `start()` once, and `shutdown(timeout:)` to stop: it stops accepting, lets running
/// requests finish and their replies drain for at most `timeout`, closes every connection,
/// and removes the socket file.
///
/// - Important: mutable state lives in `state` behind a mutex; the accept source is
///   thread-safe as Dispatch documents, which is why the class is `@unchecked Sendable`.
public final class SocketServer<Service: RPCService>: @unchecked Sendable {
    public let listener: UnixSocketListener
    private let service: Service
    private let limits: TransportLimits
    private let logger: Logger
    private let acceptQueue = DispatchQueue(label: "addigysync.accept")
    private let acceptSource: DispatchSourceRead
    private let state = Mutex(State())

    private struct State {
        var connections: [UInt64: Connection<Service>] = [:]
        var nextID: UInt64 = 1
        var isAccepting = false
        var isStopped = false
    }

    public init(listener: UnixSocketListener, service: Service, limits: TransportLimits = TransportLimits(), logger: Logger) {
        self.listener = listener
        self.service = service
        self.limits = limits
        self.logger = logger
        self.acceptSource = DispatchSource.makeReadSource(fileDescriptor: listener.fileDescriptor, queue: acceptQueue)
    }

    /// The number of open connections.
    public var connectionCount: Int {
        state.withLock { $0.connections.count }
    }

    public func start() {
        acceptSource.setEventHandler { [self] in acceptPending() }
        let fd = listener.fileDescriptor
        acceptSource.setCancelHandler { Glibc.close(fd) }
        state.withLock { $0.isAccepting = true }
        acceptSource.resume()
    }

    private func acceptPending() {
        while true {
            let fd = accept(listener.fileDescriptor, nil, nil)
            if fd < 0 {
                switch errno {
                case EINTR: continue
                case EAGAIN, EWOULDBLOCK: return
                case EMFILE, ENFILE:
                    logger.error("accept failed: out of file descriptors; raise the limit with ulimit -n")
                    return
                default:
                    logger.warning("accept failed", [("errno", errno)])
                    return
                }
            }
            UnixSocket.setNonBlocking(fd)
            register(fd)
        }
    }

    private func register(_ fd: Int32) {
        let peer = UnixSocket.peerCredentials(of: fd)
        let connection: Connection<Service>? = state.withLock { state in
            guard state.isAccepting, state.connections.count < limits.maxConnections else { return nil }
            let id = state.nextID
            state.nextID += 1
            let connection = Connection(
                fd: fd, id: id, peer: peer, service: service, limits: limits, logger: logger,
                onClose: { [weak self] closed in self?.unregister(closed) }
            )
            state.connections[id] = connection
            return connection
        }
        guard let connection else {
            rejectBusy(fd)
            return
        }
        connection.start()
    }

    /// Tells a client over the connection limit why it is refused, then closes.
    private func rejectBusy(_ fd: Int32) {
        logger.warning("connection refused: limit reached", [("limit", limits.maxConnections)])
        let error = RPCError(
            .serverBusy,
            "Server busy: all \(limits.maxConnections) allowed connections are open. Close idle connections and retry.",
            data: ["limit": .number(JSONNumber(limits.maxConnections))]
        )
        let bytes = ResponseEncoding.failure(id: .null, error: error)
        _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        Glibc.close(fd)
    }

    private func unregister(_ connection: Connection<Service>) {
        _ = state.withLock { $0.connections.removeValue(forKey: connection.id) }
    }

    /// Stops accepting, drains running requests for at most `timeout`, then closes every
    /// connection and removes the socket file.
    ///
    /// - Returns: the number of connections that were still busy when time ran out.
    @discardableResult
    public func shutdown(timeout: Duration) async -> Int {
        let (wasStopped, connections) = state.withLock { state in
            let wasStopped = state.isStopped
            state.isAccepting = false
            state.isStopped = true
            return (wasStopped, Array(state.connections.values))
        }
        if !wasStopped {
            acceptSource.cancel()
            listener.removeSocketFile()
        }

        for connection in connections {
            connection.close()
        }

        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        var busy = connections.filter { $0.isBusy() }
        while !busy.isEmpty && clock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
            busy = busy.filter { $0.isBusy() }
        }
        if !busy.isEmpty {
            logger.warning("shutdown timed out; closing busy connections", [("connections", busy.count)])
        }
        let remaining = state.withLock { Array($0.connections.values) }
        for connection in remaining {
            await withCheckedContinuation { continuation in
                connection.closeOnQueue { continuation.resume() }
            }
        }
        return busy.count
    }
}
