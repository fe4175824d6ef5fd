import JSONCore

/// A JSON-RPC error code.
///
/// The standard codes and the transport limits sit in the range JSON-RPC reserves
/// (-32768 to -32000). Application codes lie outside it and are numbered like HTTP statuses
/// (4004 reads as "not found"). `protocol/error-codes.json` lists every code; a test keeps the two
/// in step.
public struct RPCErrorCode: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: Int

    public init(rawValue: Int) {
        self.rawValue = rawValue
    }

    public var description: String { String(rawValue) }

    public static let parseError = RPCErrorCode(rawValue: -32700)
    public static let invalidRequest = RPCErrorCode(rawValue: -32600)
    public static let methodNotFound = RPCErrorCode(rawValue: -32601)
    public static let invalidParams = RPCErrorCode(rawValue: -32602)
    public static let internalError = RPCErrorCode(rawValue: -32603)

    public static let tooManySubscriptions = RPCErrorCode(rawValue: -32006)
    public static let messageTooLarge = RPCErrorCode(rawValue: -32007)
    public static let serverBusy = RPCErrorCode(rawValue: -32009)
    public static let batchTooLarge = RPCErrorCode(rawValue: -32010)

    public static let notAuthenticated = RPCErrorCode(rawValue: 4001)
    public static let forbidden = RPCErrorCode(rawValue: 4003)
    public static let notFound = RPCErrorCode(rawValue: 4004)
    public static let conflict = RPCErrorCode(rawValue: 4009)
    public static let preconditionFailed = RPCErrorCode(rawValue: 4012)
    public static let addigyRequestFailed = RPCErrorCode(rawValue: 5020)

    /// Every code this server can send, with its name as written in `protocol/error-codes.json`.
    public static let allNamed: [(code: RPCErrorCode, name: String)] = [
        (.parseError, "ParseError"),
        (.invalidRequest, "InvalidRequest"),
        (.methodNotFound, "MethodNotFound"),
        (.invalidParams, "InvalidParams"),
        (.internalError, "InternalError"),
        (.tooManySubscriptions, "TooManySubscriptions"),
        (.messageTooLarge, "MessageTooLarge"),
        (.serverBusy, "ServerBusy"),
        (.batchTooLarge, "BatchTooLarge"),
        (.notAuthenticated, "NotAuthenticated"),
        (.forbidden, "Forbidden"),
        (.notFound, "NotFound"),
        (.conflict, "Conflict"),
        (.preconditionFailed, "PreconditionFailed"),
        (.addigyRequestFailed, "AddigyRequestFailed"),
    ]
}

/// An error sent to the client as a JSON-RPC error object.
///
/// The message is one or two sentences that name the field or id at fault and tell the caller
/// what to do. `data` carries the same facts for programs (`field`, `expected`, `reason`, ...).
/// Messages must never contain secrets such as access keys or API tokens.
public struct RPCError: Error, Sendable, Equatable, CustomStringConvertible {
    public let code: RPCErrorCode
    public let message: String
    public let data: JSONValue?

    public init(_ code: RPCErrorCode, _ message: String, data: JSONValue? = nil) {
        self.code = code
        self.message = message
        self.data = data
    }

    public var description: String { "\(code.rawValue): \(message)" }

    /// The error object as it appears under `error` in a response.
    public var jsonValue: JSONValue {
        var object = JSONObject()
        object.append("code", .number(JSONNumber(code.rawValue)))
        object.append("message", .string(message))
        if let data {
            object.append("data", data)
        }
        return .object(object)
    }
}

extension RPCError {
    public static func parseError(_ detail: String) -> RPCError {
        RPCError(.parseError, "Parse error: \(detail). Send one complete JSON text per line.")
    }

    public static func invalidRequest(_ detail: String) -> RPCError {
        RPCError(.invalidRequest, "Invalid request: \(detail).")
    }

    public static func methodNotFound(_ method: String) -> RPCError {
        RPCError(
            .methodNotFound,
            "Method not found: '\(method)'. Call rpc.discover for the list of methods.",
            data: ["method": .string(method)]
        )
    }

    /// Makes an invalid-params error that carries the field's name and the expected shape in `data`.
    public static func invalidParams(field: String, expected: String, _ message: String) -> RPCError {
        RPCError(
            .invalidParams,
            message,
            data: ["field": .string(field), "expected": .string(expected)]
        )
    }

    public static func internalError(reference: String) -> RPCError {
        RPCError(
            .internalError,
            "Internal error; the daemon log has the details under ref=\(reference).",
            data: ["ref": .string(reference)]
        )
    }

    public static func notAuthenticated(_ method: String) -> RPCError {
        RPCError(
            .notAuthenticated,
            "Not authenticated: call session.authenticate with an access key before '\(method)'. "
                + "The default tenant's key is in default-tenant.key in the daemon's state folder.",
            data: ["method": .string(method)]
        )
    }

    /// Makes the error for an id that does not exist or belongs to another tenant. Both get the
    /// same message, so no method reveals that another tenant's object exists.
    public static func notFound(_ kind: String, field: String, id: String) -> RPCError {
        RPCError(
            .notFound,
            "No \(kind) with \(field) '\(id)' was found. List them to see the valid ids.",
            data: ["field": .string(field), "id": .string(id)]
        )
    }
}
