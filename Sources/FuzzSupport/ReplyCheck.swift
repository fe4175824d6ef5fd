import JSONCore
import RPCCore
import RPCTransport

/// Encodes replies and checks that each is one line of valid JSON that carries the request's id.
enum ReplyCheck {
    /// Encodes one reply and checks its bytes, its members, and how the daemon's own framer and
    /// classifier read it back.
    static func checkSingle(_ reply: Reply, log: inout ViolationLog) {
        let bytes = reply.bytes
        guard let body = checkLineShape(bytes, log: &log) else { return }

        switch ParseCheck.parse(body, maxDepth: JSONParser.defaultMaxDepth) {
        case .success(let value):
            checkReplyObject(value, reply: reply, log: &log)
        case .failure(let error):
            log.record("JSONParser rejects an encoded reply: \(error)")
            return
        }

        let classified = body.withUnsafeBufferPointer {
            MessageClassifier.classify(line: $0, maxBatchSize: MessageCheck.maxBatchSize)
        }
        guard case .single(.response) = classified else {
            log.record("the classifier does not read an encoded reply as a response")
            return
        }
    }

    /// Encodes a batch's replies as one array and checks each element.
    static func checkBatch(_ replies: [Reply], log: inout ViolationLog) {
        let bytes = ResponseEncoding.batch(replies)
        guard let body = checkLineShape(bytes, log: &log) else { return }

        guard case .success(.array(let elements)) = ParseCheck.parse(body, maxDepth: JSONParser.defaultMaxDepth)
        else {
            log.record("an encoded batch reply does not parse as an array")
            return
        }
        log.expect(elements.count == replies.count, "a batch reply has \(elements.count) of \(replies.count) replies")
        for (element, reply) in zip(elements, replies) {
            checkReplyObject(element, reply: reply, log: &log)
        }

        let classified = body.withUnsafeBufferPointer {
            MessageClassifier.classify(line: $0, maxBatchSize: MessageCheck.maxBatchSize)
        }
        guard case .batch(let messages) = classified else {
            log.record("the classifier does not read an encoded batch reply as a batch")
            return
        }
        for message in messages {
            guard case .response = message else {
                log.record("the classifier does not read an element of a batch reply as a response")
                return
            }
        }
    }

    /// Checks that `bytes` is one line: a single `\n` at the end, no raw U+2028 or U+2029, and
    /// exactly that line when read by a `LineFramer`. Returns the line without its `\n`.
    private static func checkLineShape(_ bytes: [UInt8], log: inout ViolationLog) -> [UInt8]? {
        guard bytes.last == 0x0A else {
            log.record("an encoded reply does not end with \\n")
            return nil
        }
        let body = Array(bytes.dropLast())
        log.expect(!body.contains(0x0A), "an encoded reply contains a \\n before its end")
        log.expect(!containsLineSeparator(body), "an encoded reply contains a raw U+2028 or U+2029")

        var framer = LineFramer(maxLineLength: max(1, bytes.count))
        framer.append(bytes)
        let first = framer.next()
        let second = framer.next()
        log.expect(first == .line(body) && second == nil, "the framer does not read an encoded reply as one line")
        return body
    }

    /// Checks the members of one decoded reply object against the reply it was encoded from.
    private static func checkReplyObject(_ value: JSONValue, reply: Reply, log: inout ViolationLog) {
        guard let object = value.objectValue else {
            log.record("an encoded reply is a \(value.typeName), not an object")
            return
        }
        log.expect(object.count == 3, "an encoded reply has \(object.count) members, not jsonrpc, id and one outcome")
        log.expect(object["jsonrpc"] == .string("2.0"), "an encoded reply lacks \"jsonrpc\":\"2.0\"")

        let id = object["id"].flatMap(RequestID.init)
        log.expect(
            id.map { sameID($0, reply.id) } == true,
            "an encoded reply carries id \(id.map(\.description) ?? "none"), not \(reply.id)"
        )

        switch reply.outcome {
        case .success(let result):
            log.expect(object["error"] == nil, "a success reply has an 'error' member")
            log.expect(object["result"] == result, "a success reply's 'result' differs from the result")
        case .failure(let error):
            log.expect(object["result"] == nil, "an error reply has a 'result' member")
            let encoded = object["error"]?.objectValue
            log.expect(
                encoded?["code"]?.numberValue?.text == String(error.code.rawValue),
                "an error reply's code differs from \(error.code)"
            )
            log.expect(
                encoded?["message"]?.stringValue.map { Array($0.utf8) } == Array(error.message.utf8),
                "an error reply's message differs from the error's message"
            )
            log.expect(encoded?["data"] == error.data, "an error reply's data differs from the error's data")
        }
    }

    /// Compares ids exactly: a number by its source text, a string by its UTF-8 bytes, because
    /// the client matches replies to requests by the id it sent.
    static func sameID(_ left: RequestID, _ right: RequestID) -> Bool {
        switch (left, right) {
        case (.null, .null):
            return true
        case (.number(let leftNumber), .number(let rightNumber)):
            return Array(leftNumber.text.utf8) == Array(rightNumber.text.utf8)
        case (.string(let leftString), .string(let rightString)):
            return Array(leftString.utf8) == Array(rightString.utf8)
        default:
            return false
        }
    }

    /// Returns whether `bytes` contains the UTF-8 encoding of U+2028 or U+2029 (E2 80 A8 or E2 80 A9).
    private static func containsLineSeparator(_ bytes: [UInt8]) -> Bool {
        guard bytes.count >= 3 else { return false }
        for index in 0..<(bytes.count - 2)
        where bytes[index] == 0xE2 && bytes[index + 1] == 0x80 && (bytes[index + 2] & 0xFE) == 0xA8 {
            return true
        }
        return false
    }
}
