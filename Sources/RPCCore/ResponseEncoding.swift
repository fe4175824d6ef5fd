import JSONCore

/// Builds the bytes of outgoing messages, one line each, terminated by `\n`.
///
/// Members come in a fixed order (`jsonrpc`, `id`, then `result` or `error`) so that output is
/// deterministic and easy to read in logs and tests.
public enum ResponseEncoding {
    public static func success(id: RequestID, result: JSONValue) -> [UInt8] {
        var writer = JSONWriter()
        writeSuccess(id: id, result: result, into: &writer)
        writer.writeRaw("\n")
        return writer.bytes
    }

    public static func failure(id: RequestID, error: RPCError) -> [UInt8] {
        var writer = JSONWriter()
        writeFailure(id: id, error: error, into: &writer)
        writer.writeRaw("\n")
        return writer.bytes
    }

    /// Encodes a server-to-client notification: a message with `method` and `params` and no `id`.
    public static func notification(method: String, params: JSONValue) -> [UInt8] {
        var writer = JSONWriter()
        writer.writeRaw(#"{"jsonrpc":"2.0","method":"#)
        writer.write(string: method)
        writer.writeRaw(#","params":"#)
        writer.write(params)
        writer.writeRaw("}\n")
        return writer.bytes
    }

    /// Writes one reply of a batch (without a line terminator).
    public static func write(_ reply: Reply, into writer: inout JSONWriter) {
        switch reply.outcome {
        case .success(let result): writeSuccess(id: reply.id, result: result, into: &writer)
        case .failure(let error): writeFailure(id: reply.id, error: error, into: &writer)
        }
    }

    /// Encodes a batch's replies as one line containing a JSON array.
    public static func batch(_ replies: [Reply]) -> [UInt8] {
        var writer = JSONWriter()
        writer.writeRaw("[")
        for (index, reply) in replies.enumerated() {
            if index > 0 { writer.writeRaw(",") }
            write(reply, into: &writer)
        }
        writer.writeRaw("]\n")
        return writer.bytes
    }

    private static func writeSuccess(id: RequestID, result: JSONValue, into writer: inout JSONWriter) {
        writer.writeRaw(#"{"jsonrpc":"2.0","id":"#)
        writer.write(id.jsonValue)
        writer.writeRaw(#","result":"#)
        writer.write(result)
        writer.writeRaw("}")
    }

    private static func writeFailure(id: RequestID, error: RPCError, into writer: inout JSONWriter) {
        writer.writeRaw(#"{"jsonrpc":"2.0","id":"#)
        writer.write(id.jsonValue)
        writer.writeRaw(#","error":"#)
        writer.write(error.jsonValue)
        writer.writeRaw("}")
    }
}

/// The reply to one request: its id and either a result or an error.
public struct Reply: Sendable {
    public enum Outcome: Sendable {
        case success(JSONValue)
        case failure(RPCError)
    }

    public let id: RequestID
    public let outcome: Outcome

    public init(id: RequestID, outcome: Outcome) {
        self.id = id
        self.outcome = outcome
    }

    public var bytes: [UInt8] {
        switch outcome {
        case .success(let result): ResponseEncoding.success(id: id, result: result)
        case .failure(let error): ResponseEncoding.failure(id: id, error: error)
        }
    }
}
