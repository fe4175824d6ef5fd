import JSONCore

/// A request or notification from the client, already checked against JSON-RPC 2.0.
public struct Request: Sendable {
    /// The id to reply with, or `nil` for a notification, which gets no reply.
    public let id: RequestID?
    public let method: String
    /// Named params; `nil` when the request had no `params` member.
    public let params: JSONValue?

    public init(id: RequestID?, method: String, params: JSONValue?) {
        self.id = id
        self.method = method
        self.params = params
    }

    public var isNotification: Bool { id == nil }
}

/// One element of what a line contained, classified by which members it has.
public enum IncomingMessage: Sendable {
    case request(Request)
    /// A message that is not a valid request. It always gets an error reply: with its `id` when
    /// that was readable, else with `"id": null`, as JSON-RPC 2.0 requires for an invalid request.
    case invalid(id: RequestID?, error: RPCError)
    /// A response object from the client. The server sends no requests, so it is dropped.
    case response
}

/// The contents of one line.
public enum IncomingLine: Sendable {
    case single(IncomingMessage)
    case batch([IncomingMessage])
    /// The line failed before any message could be read: a parse error or an empty batch,
    /// which gets one error reply with `"id": null`.
    case failure(RPCError)
}

/// Classifies JSON-RPC 2.0 messages by shape, keeping a readable id for the error reply.
public enum MessageClassifier {
    private static let requestMembers: Set<String> = ["jsonrpc", "id", "method", "params"]

    /// Parses one line and classifies its contents.
    ///
    /// - Parameters:
    ///   - maxBatchSize: a larger batch fails as a whole with `batchTooLarge`.
    public static func classify(line: UnsafeBufferPointer<UInt8>, maxBatchSize: Int) -> IncomingLine {
        let value: JSONValue
        do {
            value = try JSONParser.parse(line)
        } catch {
            return .failure(.parseError(error.description))
        }

        guard case .array(let elements) = value else {
            return .single(classify(value))
        }
        if elements.isEmpty {
            return .failure(.invalidRequest("the batch is empty; send at least one request"))
        }
        if elements.count > maxBatchSize {
            return .failure(
                RPCError(
                    .batchTooLarge,
                    "Batch too large: \(elements.count) messages, the limit is \(maxBatchSize). Split the batch.",
                    data: ["limit": .number(JSONNumber(maxBatchSize)), "count": .number(JSONNumber(elements.count))]
                )
            )
        }
        return .batch(elements.map(classify))
    }

    /// Classifies one parsed message.
    public static func classify(_ value: JSONValue) -> IncomingMessage {
        guard case .object(let object) = value else {
            return .invalid(id: .null, error: .invalidRequest("expected a request object, got \(value.typeName)"))
        }

        var id: RequestID?
        if let idValue = object["id"] {
            guard let readable = RequestID(idValue) else {
                return .invalid(
                    id: .null,
                    error: .invalidRequest("'id' must be a string, a number or null, not \(idValue.typeName)")
                )
            }
            id = readable
        }
        let replyID = id ?? .null

        if object["method"] == nil, object["result"] != nil || object["error"] != nil {
            return .response
        }

        guard object["jsonrpc"] == .string("2.0") else {
            return .invalid(id: replyID, error: .invalidRequest("'jsonrpc' must be the string \"2.0\""))
        }
        guard let methodValue = object["method"] else {
            return .invalid(id: replyID, error: .invalidRequest("'method' is missing"))
        }
        guard case .string(let method) = methodValue else {
            return .invalid(id: replyID, error: .invalidRequest("'method' must be a string, not \(methodValue.typeName)"))
        }
        if let unknown = object.keys.first(where: { !requestMembers.contains($0) }) {
            return .invalid(
                id: replyID,
                error: .invalidRequest("unknown member '\(unknown)'; a request has only jsonrpc, id, method and params")
            )
        }

        let params = object["params"]
        if let params {
            switch params {
            case .object, .array:
                break
            default:
                return .invalid(
                    id: replyID,
                    error: .invalidRequest("'params' must be an object (or be left out), not \(params.typeName)")
                )
            }
        }
        return .request(Request(id: id, method: method, params: params))
    }
}
