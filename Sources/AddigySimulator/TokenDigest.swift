import CCrypto

/// SHA-256 through OpenSSL's libcrypto, used only to fingerprint API tokens for the request log
/// so that a log never contains a token itself.
enum TokenDigest {
    /// Returns the SHA-256 of the UTF-8 bytes of `text` as 64 lowercase hexadecimal digits.
    static func hexDigest(_ text: String) -> String {
        var digest = [UInt8](repeating: 0, count: Int(SHA256_DIGEST_LENGTH))
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBufferPointer { SHA256($0.baseAddress, $0.count, &digest) }
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
        var output: [UInt8] = []
        output.reserveCapacity(digest.count * 2)
        for byte in digest {
            output.append(hex[Int(byte >> 4)])
            output.append(hex[Int(byte & 0x0F)])
        }
        return String(decoding: output, as: UTF8.self)
    }
}
