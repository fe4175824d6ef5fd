/// Splits a byte stream into lines terminated by `\n`, with no I/O of its own.
///
/// It works on bytes, before any UTF-8 decoding, so a multi-byte character split across two
/// reads is reassembled intact. A `\r` before the `\n` is dropped, and lines holding only
/// whitespace are skipped. A line longer than `maxLineLength` bytes is reported as soon as the
/// buffered bytes pass the limit, without waiting for its end.
public struct LineFramer {
    public enum Output: Equatable, Sendable {
        /// A complete line without its terminator.
        case line([UInt8])
        /// The current line passed `maxLineLength`; the stream cannot be resynchronized cheaply,
        /// so the caller should report the error and close the connection.
        case oversized
    }

    /// The maximum length of one line in bytes, not counting the terminator.
    public let maxLineLength: Int

    private var buffer: [UInt8] = []
    /// Start of the first line not yet returned.
    private var lineStart = 0
    /// Bytes from `lineStart` up to here are known to hold no `\n`.
    private var scanned = 0

    public init(maxLineLength: Int) {
        precondition(maxLineLength > 0, "maxLineLength must be positive")
        self.maxLineLength = maxLineLength
    }

    /// The number of bytes held that no returned line has consumed yet.
    public var bufferedByteCount: Int { buffer.count - lineStart }

    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        compactIfWorthwhile()
        buffer.append(contentsOf: bytes)
    }

    public mutating func append(_ bytes: some Sequence<UInt8>) {
        compactIfWorthwhile()
        buffer.append(contentsOf: bytes)
    }

    /// Returns the next complete non-blank line, `.oversized`, or `nil` when more bytes are needed.
    public mutating func next() -> Output? {
        while true {
            guard let newline = findNewline() else {
                // A trailing `\r` may be the start of a `\r\n` terminator, so it does not count yet.
                var pending = buffer.count - lineStart
                if pending > 0 && buffer[buffer.count - 1] == UInt8(ascii: "\r") {
                    pending -= 1
                }
                if pending > maxLineLength {
                    return .oversized
                }
                return nil
            }

            var end = newline
            if end > lineStart && buffer[end - 1] == UInt8(ascii: "\r") {
                end -= 1
            }
            let range = lineStart..<end
            lineStart = newline + 1
            scanned = lineStart

            if range.count > maxLineLength {
                return .oversized
            }
            if buffer[range].allSatisfy(Self.isWhitespace) {
                continue
            }
            return .line(Array(buffer[range]))
        }
    }

    private mutating func findNewline() -> Int? {
        let from = max(scanned, lineStart)
        let found = buffer.withUnsafeBufferPointer { pointer -> Int? in
            guard from < pointer.count, let base = pointer.baseAddress else { return nil }
            guard let hit = memchr(base + from, 0x0A, pointer.count - from) else { return nil }
            return base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
        }
        if found == nil {
            scanned = buffer.count
        }
        return found
    }

    /// Drops consumed bytes once they make up most of the buffer, so appends stay amortized O(1).
    private mutating func compactIfWorthwhile() {
        guard lineStart > 0 else { return }
        if lineStart == buffer.count {
            buffer.removeAll(keepingCapacity: buffer.capacity <= 1 << 20)
        } else if lineStart >= 64 * 1024 && lineStart * 2 >= buffer.count {
            buffer.removeSubrange(0..<lineStart)
        } else {
            return
        }
        scanned -= lineStart
        lineStart = 0
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0D
    }
}

#if canImport(Glibc)
import Glibc
#endif
