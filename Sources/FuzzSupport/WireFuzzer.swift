import JSONCore

/// Drives arbitrary bytes through the daemon's request path and checks its invariants.
///
/// The input is read as a byte stream from a client. It goes through `LineFramer` in several
/// read patterns and with a large and a small line limit. Each complete line then goes through
/// `MessageClassifier`, each request's params through `Params`, and each reply through
/// `ResponseEncoding`. The checks are:
/// - the framer never returns a line containing `\n`, and its lines are the input without line
///   terminators, blank lines and the unterminated tail, however the input is split into reads;
/// - the classifier agrees with a plain `JSONParser` parse of the line;
/// - every `Params` accessor keeps its documented contract, and its errors are `-32602` with
///   `data.field` and `data.expected`;
/// - every encoded reply is one line of valid JSON with the request's exact id, and the daemon's
///   own framer and classifier read it back as one response;
/// - `JSONWriter` output parses back to the same value and bytes.
///
/// A crash inside the daemon's code, such as a failed bounds check, also stops the caller.
public enum WireFuzzer {
    /// Runs every check on `input` and returns the violations found. An empty log means the
    /// input passed.
    public static func check(_ input: [UInt8]) -> ViolationLog {
        var log = ViolationLog()
        let plan = CheckPlan(input: input)

        // Parse the whole input, line breaks included, as one JSON text. It may fail but must not crash.
        _ = ParseCheck.parse(input, maxDepth: JSONParser.defaultMaxDepth)

        let lines = FramingCheck.run(input, plan: plan, log: &log)
        for line in lines {
            MessageCheck.run(line, plan: plan, log: &log)
        }
        return log
    }

    /// Runs `check` and stops the process when an invariant breaks, with the first ten violations
    /// in the message. The fuzz target calls this, so that libFuzzer saves the input.
    public static func run(_ input: UnsafeBufferPointer<UInt8>) {
        let log = check(Array(input))
        guard !log.isEmpty else { return }

        let listed = log.messages.prefix(10).map { "- " + $0 }.joined(separator: "\n")
        fatalError("\(log.messages.count) invariant violations for a \(input.count)-byte input:\n\(listed)")
    }
}
