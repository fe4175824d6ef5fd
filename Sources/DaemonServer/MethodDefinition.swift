import JSONCore
import RPCCore

/// One RPC method: its name, who may call it, and its handler.
///
/// Every method is listed once in `MethodCatalog`, which feeds both dispatch and the check
/// that `protocol/openrpc.json` describes exactly the registered methods.
public struct MethodDefinition: Sendable {
    public enum Access: Sendable {
        /// Callable before `session.authenticate`.
        case open
        /// Needs an authenticated session and acts inside its tenant.
        case tenant
        /// Needs an authenticated session and a peer that is root or the daemon's own user.
        case admin
    }

    public typealias ImmediateHandler = @Sendable (inout Params, RequestContext) throws -> JSONValue
    public typealias AsyncHandler = @Sendable (inout Params, RequestContext) async throws -> JSONValue

    enum Body: Sendable {
        /// Cheap and non-blocking: runs on the connection's queue without starting a task.
        case immediate(ImmediateHandler)
        case async(AsyncHandler)
    }

    public let name: String
    public let access: Access
    let body: Body

    public static func immediate(_ name: String, access: Access, _ handler: @escaping ImmediateHandler) -> Self {
        MethodDefinition(name: name, access: access, body: .immediate(handler))
    }

    public static func async(_ name: String, access: Access, _ handler: @escaping AsyncHandler) -> Self {
        MethodDefinition(name: name, access: access, body: .async(handler))
    }
}
