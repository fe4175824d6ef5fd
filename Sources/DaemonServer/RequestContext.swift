import DaemonLog
import Foundation
import InventoryStore
import JSONCore
import RPCCore
import SyncScheduler

/// The session, shared services and logger available to a handler while it runs one request.
public struct RequestContext: Sendable {
    public let session: Session
    public let environment: ServerEnvironment
    /// The daemon's logger; `logger` adds this request's ids to it.
    let baseLogger: Logger
    let requestNumber: UInt64
    /// The JSON-RPC id of the request, `nil` for a notification.
    let requestID: RequestID?
    let method: String

    /// A logger with the connection's and the request's ids. It is built on each use, which
    /// keeps requests that log nothing (most of them) free of its allocations.
    public var logger: Logger {
        var logger = baseLogger.with("conn.id", session.connectionID).with("req.id", requestNumber)
            .with("rpc.method", method)
        if let tenant = session.tenant {
            logger = logger.with("tenant.id", tenant.id)
        }
        return logger
    }

    public var store: Store { environment.store }

    /// The session's tenant. Only `.tenant` and `.admin` methods run, and both require one.
    public var tenant: Tenant {
        get throws(RPCError) {
            guard let tenant = session.tenant else {
                throw RPCError.notAuthenticated(method)
            }
            return tenant
        }
    }
}

/// The daemon-wide parts every handler shares.
public final class ServerEnvironment: Sendable {
    public let store: Store
    public let addigy: AddigyAccess
    public let stateDirectory: String
    public let startedAt: ContinuousClock.Instant
    /// The OpenRPC document that `rpc.discover` returns, parsed once at start.
    public let openRPCDocument: JSONValue
    let sessions = SessionRegistry()
    /// Syncs and other work started outside a request; shutdown cancels and awaits it.
    public let background = BackgroundWork()
    /// Starts sync runs and keeps two runs of one scope from overlapping.
    public let sync: SyncCoordinator
    /// Delivers sync progress and other events to subscribed connections.
    public var events: EventHub { sync.events }
    /// When scheduled syncs run; `sync.status` shows the next times from it.
    public let schedule: SyncSchedule

    public init(
        store: Store, addigy: AddigyAccess, stateDirectory: String, openRPCDocument: JSONValue,
        sync: SyncCoordinator = SyncCoordinator(events: EventHub()), schedule: SyncSchedule = SyncSchedule()
    ) {
        self.store = store
        self.sync = sync
        self.schedule = schedule
        self.addigy = addigy
        self.stateDirectory = stateDirectory
        self.startedAt = ContinuousClock.now
        self.openRPCDocument = openRPCDocument
    }

    /// The path of the file holding the default tenant's access key.
    public var defaultKeyPath: String {
        stateDirectory + "/" + DefaultTenant.keyFileName
    }
}

/// The daemon's version and the protocol version it speaks.
public enum Version {
    public static let daemon = "0.1.0"
    /// Bumped in its major part on a change that breaks clients, in its minor part on additions.
    public static let `protocol` = "1.6"
}
