import JSONCore
import RPCCore

/// Classifies one framed line and checks the classification against a plain parse of the line.
enum MessageCheck {
    /// A batch limit small enough that `batchTooLarge` runs on short inputs. The daemon's
    /// default is 1000 (`TransportLimits.maxBatchSize`).
    static let maxBatchSize = 8

    /// Classifies `line` and checks the result against a plain parse, then reads each request's
    /// params and checks each reply that the daemon would send.
    static func run(_ line: [UInt8], plan: CheckPlan, log: inout ViolationLog) {
        let parsed = ParseCheck.run(line, shallowMaxDepth: plan.shallowMaxDepth, log: &log)
        let incoming = line.withUnsafeBufferPointer {
            MessageClassifier.classify(line: $0, maxBatchSize: maxBatchSize)
        }

        switch incoming {
        case .failure(let error):
            checkLineFailure(error, parsed: parsed, log: &log)
            ReplyCheck.checkSingle(Reply(id: .null, outcome: .failure(error)), log: &log)

        case .single(let message):
            guard let parsed else {
                log.record("classify returned a message for a line that JSONParser rejects")
                return
            }
            if case .array = parsed {
                log.record("classify returned a single message for a JSON array")
            }
            if let reply = handle(message, value: parsed, log: &log) {
                ReplyCheck.checkSingle(reply, log: &log)
            }

        case .batch(let messages):
            guard case .array(let elements)? = parsed else {
                log.record("classify returned a batch for a line that is not a parsed JSON array")
                return
            }
            log.expect(messages.count == elements.count, "a batch of \(elements.count) has \(messages.count) messages")
            log.expect((1...maxBatchSize).contains(messages.count), "a batch of \(messages.count) passed the limits")
            var replies: [Reply] = []
            for (message, element) in zip(messages, elements) {
                if let reply = handle(message, value: element, log: &log) {
                    replies.append(reply)
                }
            }
            if !replies.isEmpty {
                ReplyCheck.checkBatch(replies, log: &log)
            }
        }
    }

    /// Checks a failure of the whole line: a parse error exactly when the parser rejects the
    /// line, otherwise an empty or oversized batch.
    private static func checkLineFailure(_ error: RPCError, parsed: JSONValue?, log: inout ViolationLog) {
        guard let parsed else {
            log.expect(error.code == .parseError, "a line that JSONParser rejects failed with code \(error.code)")
            return
        }
        guard case .array(let elements) = parsed else {
            log.record("a line with a parsed \(parsed.typeName) failed as a whole with code \(error.code)")
            return
        }
        if elements.isEmpty {
            log.expect(error.code == .invalidRequest, "an empty batch failed with code \(error.code)")
        } else {
            log.expect(elements.count > maxBatchSize, "a batch of \(elements.count) failed with code \(error.code)")
            log.expect(error.code == .batchTooLarge, "a batch of \(elements.count) failed with code \(error.code)")
        }
    }

    /// Checks one classified message against its parsed value and returns the reply the daemon
    /// would send, or `nil` for a response object or a notification.
    ///
    /// A notification gets no reply, but its params are still read and a reply with a `null` id
    /// is still encoded and checked, so that notifications exercise the same code.
    private static func handle(_ message: IncomingMessage, value: JSONValue, log: inout ViolationLog) -> Reply? {
        switch message {
        case .response:
            let object = value.objectValue
            log.expect(object != nil, "a \(value.typeName) was classified as a response")
            log.expect(object?["method"] == nil, "a message with 'method' was classified as a response")
            log.expect(
                object?["result"] != nil || object?["error"] != nil,
                "a message with neither 'result' nor 'error' was classified as a response"
            )
            return nil

        case .invalid(let id, let error):
            log.expect(error.code == .invalidRequest, "an invalid message got code \(error.code), not -32600")
            let replyID = id ?? .null
            log.expect(
                ReplyCheck.sameID(replyID, expectedReplyID(of: value)),
                "an invalid message replies with id \(replyID), not the readable id of the message"
            )
            return Reply(id: replyID, outcome: .failure(error))

        case .request(let request):
            let object = value.objectValue
            log.expect(object?["jsonrpc"] == .string("2.0"), "a request without \"jsonrpc\":\"2.0\" was accepted")
            log.expect(
                object?["method"]?.stringValue.map { Array($0.utf8) } == Array(request.method.utf8),
                "the request's method differs from its 'method' member"
            )
            let expectedID = object?["id"].flatMap(RequestID.init)
            log.expect(
                expectedID.map { ReplyCheck.sameID(request.id ?? .null, $0) } ?? (request.id == nil),
                "the request's id \(request.id.map(\.description) ?? "none") differs from its 'id' member"
            )

            let outcome = ParamsCheck.run(request.params, log: &log)
            guard let id = request.id else {
                ReplyCheck.checkSingle(Reply(id: .null, outcome: outcome), log: &log)
                return nil
            }
            return Reply(id: id, outcome: outcome)
        }
    }

    /// The id an error reply must carry: the message's own id when it is a string, a number or
    /// `null`, and `null` otherwise.
    private static func expectedReplyID(of value: JSONValue) -> RequestID {
        value.objectValue?["id"].flatMap(RequestID.init) ?? .null
    }
}
