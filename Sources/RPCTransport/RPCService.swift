import JSONCore
import RPCCore

/// The interface between the transport and the layer that implements the methods.
///
/// The transport owns framing, JSON-RPC rules, batches and backpressure. The service handles one
/// request at a time and returns its outcome. Each connection gets one session, made when the
/// connection is accepted and released after it closes.
public protocol RPCService: Sendable {
    associatedtype Session: Sendable

    func openSession(for connection: any ConnectionHandle) -> Session

    /// Runs one request. Notifications (`request.id == nil`) run too; their outcome is dropped.
    func handle(_ request: Request, session: Session) async -> Reply.Outcome

    /// Runs a request at once on the connection's queue when that is cheaper than starting a task,
    /// or returns `nil` to have `handle(_:session:)` run it. Must not block.
    func handleImmediately(_ request: Request, session: Session) -> Reply.Outcome?

    func closeSession(_ session: Session)

    /// Called on the connection's queue right after the reply to `request` was queued for
    /// writing (or after the request ran, for a notification). Anything the service sends on the
    /// connection from here on follows that reply.
    func didReply(to request: Request, session: Session)
}

extension RPCService {
    public func handleImmediately(_ request: Request, session: Session) -> Reply.Outcome? {
        nil
    }

    public func didReply(to request: Request, session: Session) {}
}

/// The transport's view of one client connection, for sessions and notification producers.
public protocol ConnectionHandle: AnyObject, Sendable {
    /// A number unique within the daemon's lifetime, used in logs as `conn.id`.
    var id: UInt64 { get }
    /// The connecting process's pid, uid and gid, or `nil` if the kernel did not report them.
    var peer: PeerCredentials? { get }

    /// Queues a notification, unless the connection's output buffer is over its hard limit or
    /// the connection is closed; returns whether it was queued. A caller that gets `false`
    /// should drop or coalesce the notification, never retry in a loop.
    @discardableResult
    func sendNotification(method: String, params: JSONValue) -> Bool

    /// Closes the connection after the replies already queued are written.
    func close()
}

/// Limits the transport enforces on every connection.
public struct TransportLimits: Sendable {
    /// The maximum line length in bytes. A longer line gets error -32007 and the connection closes.
    public var maxLineBytes = 4 * 1024 * 1024
    /// The maximum number of messages in one batch; a larger batch gets error -32010.
    public var maxBatchSize = 1000
    /// The maximum number of connections at once; one more gets error -32009 and is closed.
    public var maxConnections = 1024
    /// Requests (a batch counts as one) running at once per connection before reading pauses.
    public var maxInFlightPerConnection = 128
    /// Bytes of queued output at which the connection stops reading requests.
    public var outputHighWater = 1024 * 1024
    /// Bytes of queued output below which reading resumes.
    public var outputLowWater = 256 * 1024
    /// Bytes of queued output past which notifications are refused.
    public var notificationOutputLimit = 4 * 1024 * 1024
    /// Seconds a connection that is closing gets to flush its last replies.
    public var closeFlushSeconds = 5.0

    public init() {}
}
