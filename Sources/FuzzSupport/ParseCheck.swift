import JSONCore

/// Parses bytes with the default and with a small nesting limit, and checks that writing the
/// value and parsing it again gives the same bytes.
enum ParseCheck {
    /// Parses `bytes` with the default and the shallow nesting limit, compares the results, and
    /// checks the round trip. Returns the value parsed with the default limit, or `nil` when the
    /// parser rejects the bytes.
    static func run(_ bytes: [UInt8], shallowMaxDepth: Int, log: inout ViolationLog) -> JSONValue? {
        let deep = parse(bytes, maxDepth: JSONParser.defaultMaxDepth)
        let shallow = parse(bytes, maxDepth: shallowMaxDepth)

        switch (deep, shallow) {
        case (.success(let deepValue), .success(let shallowValue)):
            log.expect(deepValue == shallowValue, "the nesting limit changed the parsed value")
        case (.failure(let error), .success):
            log.record(
                "the parser accepted a text with nesting limit \(shallowMaxDepth) but rejected it by default: \(error)"
            )
        case (.success, .failure(let error)):
            log.expect(
                error.reason == .nestingTooDeep(limit: shallowMaxDepth),
                "a text valid with the default nesting limit failed with a limit of \(shallowMaxDepth): \(error)"
            )
        case (.failure, .failure):
            break
        }

        guard case .success(let value) = deep else { return nil }
        checkRoundTrip(value, log: &log)
        return value
    }

    /// Writes `value`, parses the output and writes it again: both outputs must be the same
    /// bytes, contain no line break, and parse to a value equal to `value`.
    static func checkRoundTrip(_ value: JSONValue, log: inout ViolationLog) {
        let written = JSONWriter.encode(value)
        log.expect(!written.contains(0x0A), "JSONWriter wrote a \\n byte, which would split the message")
        switch parse(written, maxDepth: JSONParser.defaultMaxDepth) {
        case .success(let reparsed):
            log.expect(reparsed == value, "the written value parses to a different value")
            log.expect(JSONWriter.encode(reparsed) == written, "writing the reparsed value gives different bytes")
        case .failure(let error):
            log.record("JSONParser rejects what JSONWriter wrote: \(error)")
        }
    }

    static func parse(_ bytes: [UInt8], maxDepth: Int) -> Result<JSONValue, JSONParseError> {
        do {
            return .success(try JSONParser.parse(bytes, maxDepth: maxDepth))
        } catch {
            return .failure(error)
        }
    }
}
