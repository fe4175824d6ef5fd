import RPCTransport

/// The outputs of a `LineFramer` for one way of reading an input.
struct FramingResult: Equatable {
    var outputs: [LineFramer.Output] = []
    /// `bufferedByteCount` after the last read, or `nil` when the framing stopped at `.oversized`.
    var bufferedByteCount: Int?
}

/// Frames one input in several ways and checks every result against a simple model.
enum FramingCheck {
    /// A limit no fuzz input reaches, for the passes whose lines go on to the classifier.
    static let largeMaxLineLength = 1 << 30

    /// A line long enough that the framer's buffer passes 64 KiB, where it starts to compact
    /// the buffer by moving the unread bytes to its start.
    static let compactionFiller = [UInt8](repeating: UInt8(ascii: "x"), count: 70_000) + [0x0A]

    /// Frames `input` in one read, byte by byte, and at the plan's cuts, with a large and a small
    /// line limit, and records every difference from the model.
    ///
    /// - Returns: the complete lines of the one-read pass with the large limit.
    static func run(_ input: [UInt8], plan: CheckPlan, log: inout ViolationLog) -> [[UInt8]] {
        let large = largeMaxLineLength
        let small = plan.smallMaxLineLength

        let oneRead = check("one read", input, cuts: [], maxLineLength: large, log: &log)
        check("byte by byte", input, cuts: Array(0...input.count), maxLineLength: large, log: &log)
        check("planned reads", input, cuts: plan.cuts, maxLineLength: large, log: &log)
        check("one read, small limit", input, cuts: [], maxLineLength: small, log: &log)
        check("planned reads, small limit", input, cuts: plan.cuts, maxLineLength: small, log: &log)

        checkAfterCompaction(input, plan: plan, log: &log)

        var lines: [[UInt8]] = []
        for output in oneRead.outputs {
            if case .line(let line) = output {
                lines.append(line)
            }
        }
        log.expect(!oneRead.outputs.contains(.oversized), "one read: a line passed the large limit")
        log.expect(
            lines == nonBlankCompleteLines(input),
            "one read: the lines differ from the input split at \\n with \\r\\n, blank lines and the tail removed"
        )
        return lines
    }

    /// Frames `input`, compares the result with `expectedResult`, and checks each line's own rules.
    @discardableResult
    private static func check(
        _ pass: String, _ input: [UInt8], cuts: [Int], maxLineLength: Int, log: inout ViolationLog
    ) -> FramingResult {
        let actual = frame(input, cuts: cuts, maxLineLength: maxLineLength)
        for output in actual.outputs {
            guard case .line(let line) = output else { continue }
            log.expect(!line.contains(0x0A), "\(pass): the framer returned a line containing \\n")
            log.expect(!line.allSatisfy(isBlank), "\(pass): the framer returned a blank line")
            log.expect(line.count <= maxLineLength, "\(pass): a line of \(line.count) bytes passed the limit")
        }
        let expected = expectedResult(input, maxLineLength: maxLineLength)
        log.expect(
            actual == expected,
            "\(pass) (limit \(maxLineLength)): the framer returned \(describe(actual)), "
                + "the model expects \(describe(expected))"
        )
        return actual
    }

    /// Frames `input` at the plan's cuts after a 70,000-byte line, so that the framer compacts
    /// its buffer, often with a partial line of `input` still in it.
    ///
    /// The long line is checked by its length and end bytes only, because comparing it byte by
    /// byte in instrumented code made each fuzz run about ten times slower.
    private static func checkAfterCompaction(_ input: [UInt8], plan: CheckPlan, log: inout ViolationLog) {
        let pass = "planned reads after a 70,000-byte line"
        let padded = compactionFiller + input
        let paddedCuts = plan.cuts.map { $0 + compactionFiller.count }
        var actual = frame(padded, cuts: paddedCuts, maxLineLength: largeMaxLineLength)

        guard case .line(let first)? = actual.outputs.first else {
            log.record("\(pass): the framer did not return the long line first")
            return
        }
        log.expect(
            first.count == compactionFiller.count - 1 && first.first == UInt8(ascii: "x")
                && first.last == UInt8(ascii: "x"),
            "\(pass): the long line came back as \(first.count) bytes"
        )
        actual.outputs.removeFirst()

        let expected = expectedResult(input, maxLineLength: largeMaxLineLength)
        log.expect(
            actual == expected,
            "\(pass): the framer returned \(describe(actual)), the model expects \(describe(expected))"
        )
    }

    /// Feeds `input` to a new framer in reads that end at each of `cuts` and at the end of the
    /// input, draining every output after each read. Framing stops at the first `.oversized`,
    /// as a connection does.
    static func frame(_ input: [UInt8], cuts: [Int], maxLineLength: Int) -> FramingResult {
        var framer = LineFramer(maxLineLength: maxLineLength)
        var result = FramingResult()
        var start = 0
        for (index, end) in (cuts + [input.count]).enumerated() {
            let chunk = input[start..<max(start, end)]
            start = max(start, end)
            // Alternate the two append overloads, so that both run.
            if index % 2 == 0 {
                framer.append(chunk)
            } else {
                chunk.withUnsafeBytes { framer.append($0) }
            }
            while let output = framer.next() {
                result.outputs.append(output)
                if output == .oversized {
                    return result
                }
            }
        }
        result.bufferedByteCount = framer.bufferedByteCount
        return result
    }

    /// Computes what `frame` should return, from the documented rules of `LineFramer`.
    ///
    /// A line ends at `\n`, and one `\r` before the `\n` is dropped. A line of only spaces, tabs
    /// and `\r` is skipped. A line longer than the limit, blank or not, stops the framing with
    /// `.oversized`, and so does an unterminated tail longer than the limit. Where the reads end
    /// never changes the result.
    static func expectedResult(_ input: [UInt8], maxLineLength: Int) -> FramingResult {
        var result = FramingResult()
        var lineStart = 0
        while let newline = input[lineStart...].firstIndex(of: 0x0A) {
            var end = newline
            if end > lineStart && input[end - 1] == UInt8(ascii: "\r") {
                end -= 1
            }
            if end - lineStart > maxLineLength {
                result.outputs.append(.oversized)
                return result
            }
            let content = input[lineStart..<end]
            lineStart = newline + 1
            if !content.allSatisfy(isBlank) {
                result.outputs.append(.line(Array(content)))
            }
        }
        // A final `\r` may be the first half of a terminator, so it does not count against the limit.
        var tail = input.count - lineStart
        if tail > 0 && input.last == UInt8(ascii: "\r") {
            tail -= 1
        }
        if tail > maxLineLength {
            result.outputs.append(.oversized)
            return result
        }
        result.bufferedByteCount = input.count - lineStart
        return result
    }

    /// Splits `input` with the standard library instead of the model's loop: the complete lines,
    /// without their terminators, with blank lines left out.
    static func nonBlankCompleteLines(_ input: [UInt8]) -> [[UInt8]] {
        var pieces = input.split(separator: 0x0A, omittingEmptySubsequences: false)
        pieces.removeLast()
        return pieces.compactMap { piece in
            let content = piece.last == UInt8(ascii: "\r") ? piece.dropLast() : piece
            return content.allSatisfy(isBlank) ? nil : Array(content)
        }
    }

    static func isBlank(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0D
    }

    private static func describe(_ result: FramingResult) -> String {
        let outputs = result.outputs.map { output -> String in
            switch output {
            case .line(let line): "line(\(line.count) bytes)"
            case .oversized: "oversized"
            }
        }
        let list = "[" + outputs.joined(separator: ", ") + "]"
        guard let buffered = result.bufferedByteCount else { return list + " and stopped" }
        return list + " with \(buffered) bytes buffered"
    }
}
