import DaemonLog
import Foundation
import InventoryStore
import JSONCore
import RPCCore
import RPCTransport
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Dispatches requests to the registered methods, enforcing authentication and admin rights.
///
/// Errors a handler throws become replies: `RPCError` as it is, `StoreError.conflict` as
/// 4009, and anything else as -32603 with a reference that the log repeats beside the detail,
/// so the client never sees internals.
public final class AddigySyncService: RPCService {
    public let environment: ServerEnvironment
    private let methods: [String: MethodDefinition]
    private let logger: Logger
    private let daemonUID: UInt32
    private let requestCounter = Atomic<UInt64>(0)
    /// Each method's param names, from the OpenRPC document, checked before a handler runs so
    /// that a misspelt param never lets a call act on defaults (a `dry_run` that writes).
    private let paramNames: [String: [String]]

    public init(environment: ServerEnvironment, methods: [MethodDefinition], logger: Logger) {
        self.environment = environment
        self.methods = Dictionary(uniqueKeysWithValues: methods.map { ($0.name, $0) })
        self.logger = logger
        self.daemonUID = getuid()
        var names: [String: [String]] = [:]
        for method in environment.openRPCDocument["methods"]?.arrayValue ?? [] {
            guard let name = method["name"]?.stringValue else { continue }
            names[name] = method["params"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
        }
        self.paramNames = names
    }

    /// Rejects a member of `params` that the method does not take, before anything runs.
    private func checkParamNames(_ request: Request) -> RPCError? {
        guard let allowed = paramNames[request.method], let members = request.params?.objectValue else { return nil }
        guard let unknown = members.keys.first(where: { !allowed.contains($0) }) else { return nil }
        let list = allowed.isEmpty ? "this method takes no params" : "allowed: " + allowed.joined(separator: ", ")
        return RPCError(
            .invalidParams,
            "Unknown param '\(unknown)' (\(list)). Check the spelling against rpc.discover; nothing was done.",
            data: ["field": .string(unknown), "expected": "absent"]
        )
    }

    public var methodNames: [String] {
        methods.keys.sorted()
    }

    public func openSession(for connection: any ConnectionHandle) -> Session {
        let session = Session(connection: connection, daemonUID: daemonUID)
        environment.sessions.add(session)
        return session
    }

    public func closeSession(_ session: Session) {
        environment.sessions.remove(session)
        environment.events.removeAll(connectionID: session.connectionID)
    }

    /// Starts event delivery to a subscription once the reply that names it is on its way.
    public func didReply(to request: Request, session: Session) {
        guard request.method == "events.subscribe" else { return }
        environment.events.activate(connectionID: session.connectionID, requestKey: EventMethods.requestKey(request))
    }

    public func handleImmediately(_ request: Request, session: Session) -> Reply.Outcome? {
        guard let method = methods[request.method], case .immediate(let handler) = method.body else { return nil }
        let context = makeContext(request, session: session)
        if let denied = checkAccess(method, session: session) ?? checkParamNames(request) {
            return .failure(denied)
        }
        do {
            var params = try Params(request.params)
            let result = try handler(&params, context)
            try params.finish()
            return .success(result)
        } catch {
            return .failure(translate(error, context: context))
        }
    }

    public func handle(_ request: Request, session: Session) async -> Reply.Outcome {
        guard let method = methods[request.method] else {
            return .failure(.methodNotFound(request.method))
        }
        let context = makeContext(request, session: session)
        if let denied = checkAccess(method, session: session) ?? checkParamNames(request) {
            return .failure(denied)
        }
        let started = ContinuousClock.now
        let outcome: Reply.Outcome
        do {
            var params = try Params(request.params)
            let result: JSONValue
            switch method.body {
            case .immediate(let handler):
                result = try handler(&params, context)
            case .async(let handler):
                result = try await handler(&params, context)
            }
            try params.finish()
            outcome = .success(result)
        } catch {
            outcome = .failure(translate(error, context: context))
        }
        if logger.isEnabled(.debug) {
            let elapsed = ContinuousClock.now - started
            var fields: [(String, CustomStringConvertible)] = [("duration.ms", elapsed.milliseconds)]
            if case .failure(let error) = outcome { fields.append(("error.code", error.code.rawValue)) }
            context.logger.debug("request handled", fields)
        }
        return outcome
    }

    private func makeContext(_ request: Request, session: Session) -> RequestContext {
        RequestContext(
            session: session,
            environment: environment,
            baseLogger: logger,
            requestNumber: requestCounter.add(1, ordering: .relaxed).newValue,
            requestID: request.id,
            method: request.method
        )
    }

    private func checkAccess(_ method: MethodDefinition, session: Session) -> RPCError? {
        switch method.access {
        case .open:
            return nil
        case .tenant:
            return session.tenant == nil ? .notAuthenticated(method.name) : nil
        case .admin:
            if session.tenant == nil { return .notAuthenticated(method.name) }
            guard session.isAdminPeer else {
                return RPCError(
                    .forbidden,
                    "Forbidden: '\(method.name)' is an admin method, allowed only to root or the user the daemon "
                        + "runs as (uid \(daemonUID)). Run the client as that user.",
                    data: ["method": .string(method.name), "peerUid": .number(JSONNumber(session.peer?.uid ?? 0))]
                )
            }
            return nil
        }
    }

    private func translate(_ error: any Error, context: RequestContext) -> RPCError {
        switch error {
        case let error as RPCError:
            return error
        case StoreError.conflict(let field, let value):
            return RPCError(
                .conflict,
                "Conflict: \(field) '\(value)' is already taken. Choose another \(field).",
                data: ["field": .string(field), "value": .string(value)]
            )
        case StoreError.inUse(let kind, let id, let dependents):
            return RPCError(
                .conflict,
                "The \(kind) \(id) cannot be deleted while it has \(dependents). Unmap or move them first.",
                data: ["reason": "in_use", "id": .string(id)]
            )
        default:
            let reference = String(UInt64.random(in: 0...UInt64.max), radix: 36)
            context.logger.error("request failed", [("ref", reference), ("error", String(describing: error))])
            return .internalError(reference: reference)
        }
    }
}

extension Duration {
    /// The duration in milliseconds.
    var milliseconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) * 1000 + Double(attoseconds) / 1e15
    }
}
