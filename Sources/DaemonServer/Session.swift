import Foundation
import InventoryStore
import RPCTransport
import Synchronization

/// The state of one connection: who is on the other end and which tenant it acts for.
public final class Session: Sendable {
    public let connectionID: UInt64
    public let peer: PeerCredentials?
    /// Whether the peer may call admin methods: its uid is root's or the daemon's own.
    public let isAdminPeer: Bool
    let connection: any ConnectionHandle
    private let boundTenant = Mutex<Tenant?>(nil)

    init(connection: any ConnectionHandle, daemonUID: UInt32) {
        self.connection = connection
        self.connectionID = connection.id
        self.peer = connection.peer
        if let uid = connection.peer?.uid {
            isAdminPeer = uid == 0 || uid == daemonUID
        } else {
            isAdminPeer = false
        }
    }

    /// The tenant this connection authenticated as, or `nil` before `session.authenticate`.
    public var tenant: Tenant? {
        boundTenant.withLock { $0 }
    }

    func bind(to tenant: Tenant?) {
        boundTenant.withLock { $0 = tenant }
    }
}

/// The sessions of all open connections, so that deleting a tenant or rotating its key can
/// end the sessions that authenticated with the old key.
final class SessionRegistry: Sendable {
    private let sessions = Mutex<[UInt64: Session]>([:])

    func add(_ session: Session) {
        sessions.withLock { $0[session.connectionID] = session }
    }

    func remove(_ session: Session) {
        _ = sessions.withLock { $0.removeValue(forKey: session.connectionID) }
    }

    /// Unbinds every session of `tenantID` except `keeping`; returns how many were unbound.
    @discardableResult
    func unbindSessions(ofTenant tenantID: String, keeping: Session?) -> Int {
        let affected = sessions.withLock { sessions in
            sessions.values.filter { $0.tenant?.id == tenantID && $0 !== keeping }
        }
        for session in affected {
            session.bind(to: nil)
        }
        return affected.count
    }
}
