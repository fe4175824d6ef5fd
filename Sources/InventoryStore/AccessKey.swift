import CCrypto
import Foundation

/// Tenant access keys: random secrets that the store keeps only as SHA-256 hashes.
///
/// A key is `ask_` followed by 43 base64url characters (32 random bytes). Because keys are
/// random and long, a plain SHA-256 hash is enough; a slow password hash would only slow
/// down every `session.authenticate`.
public enum AccessKey {
    public static let prefix = "ask_"

    /// Generates a new random key with OpenSSL's CSPRNG.
    public static func generate() -> String {
        prefix + base64URL(randomBytes(32))
    }

    public static func hash(_ key: String) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: Int(SHA256_DIGEST_LENGTH))
        let bytes = Array(key.utf8)
        _ = bytes.withUnsafeBufferPointer { input in
            SHA256(input.baseAddress, input.count, &digest)
        }
        return digest
    }

    /// Cryptographically secure random bytes; stops the process if OpenSSL cannot supply them,
    /// because continuing would hand out guessable secrets.
    public static func randomBytes(_ count: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        guard RAND_bytes(&bytes, Int32(count)) == 1 else {
            fatalError("OpenSSL RAND_bytes failed; refusing to create a guessable secret")
        }
        return bytes
    }

    static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
