import CCrypto

/// An Addigy V2 API token.
///
/// Its description is redacted, so a token interpolated into a log line, an error message or
/// a debug print shows `<redacted>` instead of the secret. Only the HTTP layer reads `secret`.
public struct APIToken: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The token text, trimmed of the whitespace that a copy and paste often adds.
    public let secret: String

    /// Wraps a pasted token, trimming surrounding whitespace; `nil` when nothing is left.
    public init?(_ text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { return nil }
        secret = trimmed
    }

    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }

    /// The first 12 hex digits of the token's SHA-256: enough to tell tokens apart in logs and
    /// to key per-token state, useless for recovering the token.
    public var fingerprint: String {
        var digest = [UInt8](repeating: 0, count: Int(SHA256_DIGEST_LENGTH))
        let bytes = Array(secret.utf8)
        _ = bytes.withUnsafeBufferPointer { SHA256($0.baseAddress, $0.count, &digest) }
        return digest.prefix(6).map { String(format: "%02x", $0) }.joined()
    }
}

import Foundation
