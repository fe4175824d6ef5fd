import Testing

@testable import RPCTransport

@Suite struct LineFramerTests {
    /// Three messages with a multi-byte character, a CRLF ending and a blank line between them.
    static let stream = Array("{\"a\":\"☃€😀\"}\r\n\n  \n{\"b\":2}\n[3]\n".utf8)
    static let expected: [LineFramer.Output] = [
        .line(Array("{\"a\":\"☃€😀\"}".utf8)),
        .line(Array("{\"b\":2}".utf8)),
        .line(Array("[3]".utf8)),
    ]

    private func feed(_ chunks: [ArraySlice<UInt8>], maxLineLength: Int = 1024) -> [LineFramer.Output] {
        var framer = LineFramer(maxLineLength: maxLineLength)
        var outputs: [LineFramer.Output] = []
        for chunk in chunks {
            framer.append(chunk)
            while let output = framer.next() {
                outputs.append(output)
                if output == .oversized { return outputs }
            }
        }
        return outputs
    }

    @Test func crlfSplitAtLimit() {
        var framer = LineFramer(maxLineLength: 3)
        framer.append(Array("abc\r".utf8))
        #expect(framer.next() == nil, "a trailing \\r may start the terminator, so it does not count yet")
        framer.append(Array("\n".utf8))
        #expect(framer.next() == .line(Array("abc".utf8)))

        var longer = LineFramer(maxLineLength: 3)
        longer.append(Array("abcd\r".utf8))
        #expect(longer.next() == .oversized)
    }

    @Test func wholeStreamInOneRead() {
        #expect(feed([Self.stream[...]]) == Self.expected)
    }

    @Test func byteByByte() {
        #expect(feed(Self.stream.indices.map { Self.stream[$0...$0] }) == Self.expected)
    }

    @Test func everySplitIntoTwoReads() {
        for split in 0...Self.stream.count {
            let chunks = [Self.stream[..<split], Self.stream[split...]]
            #expect(feed(chunks) == Self.expected, "split at byte \(split)")
        }
    }

    @Test func everySplitIntoThreeReads() {
        for first in 0...Self.stream.count {
            for second in first...Self.stream.count {
                let chunks = [Self.stream[..<first], Self.stream[first..<second], Self.stream[second...]]
                #expect(feed(chunks) == Self.expected, "splits at \(first) and \(second)")
            }
        }
    }

    @Test func multibyteCharacterAcrossTwoReads() {
        let line = Array("\"😀\"\n".utf8)
        let outputs = feed([line[..<3], line[3...]])
        #expect(outputs == [.line(Array("\"😀\"".utf8))])
    }

    @Test func incompleteLineWaitsForMoreBytes() {
        var framer = LineFramer(maxLineLength: 100)
        framer.append(Array("{\"a\":1".utf8))
        #expect(framer.next() == nil)
        framer.append(Array("}\n".utf8))
        #expect(framer.next() == .line(Array("{\"a\":1}".utf8)))
        #expect(framer.next() == nil)
        #expect(framer.bufferedByteCount == 0)
    }

    @Test func oversizedLineReportedBeforeItsEnd() {
        var framer = LineFramer(maxLineLength: 10)
        framer.append(Array(repeating: UInt8(ascii: "x"), count: 11))
        #expect(framer.next() == .oversized)
    }

    @Test func lineAtTheLimitIsAccepted() {
        let outputs = feed([Array(repeating: UInt8(ascii: "x"), count: 10)[...], Array("\n".utf8)[...]], maxLineLength: 10)
        #expect(outputs == [.line(Array(repeating: UInt8(ascii: "x"), count: 10))])
    }

    @Test func oversizedCompleteLineInOneRead() {
        let outputs = feed([Array("0123456789AB\n{}\n".utf8)[...]], maxLineLength: 10)
        #expect(outputs == [.oversized])
    }

    @Test func manyLinesCompactTheBuffer() {
        var framer = LineFramer(maxLineLength: 64)
        var count = 0
        for _ in 0..<20_000 {
            framer.append(Array("{\"n\":12345}\n".utf8))
            while case .line = framer.next() { count += 1 }
        }
        #expect(count == 20_000)
        #expect(framer.bufferedByteCount == 0)
    }
}
