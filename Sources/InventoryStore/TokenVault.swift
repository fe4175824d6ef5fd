import CCrypto
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Encrypts API tokens at rest with AES-256-GCM.
///
/// Each secret gets a fresh random 96-bit nonce. The associated data binds a ciphertext to its
/// tenant and integration, so a ciphertext copied into another integration's row fails to
/// open instead of yielding a working token. Sealed format: version byte (1), nonce (12 bytes),
/// ciphertext, tag (16 bytes).
public struct TokenVault: Sendable {
    public static let keyFileName = "master.key"
    public static let keyLength = 32

    private static let version: UInt8 = 1
    private static let nonceLength = 12
    private static let tagLength = 16

    private let key: [UInt8]

    /// A vault failure, with the path or the id at fault and what to do.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    public init(key: [UInt8]) throws(Failure) {
        guard key.count == Self.keyLength else {
            throw Failure(description: "The master key must be \(Self.keyLength) bytes, not \(key.count).")
        }
        self.key = key
    }

    /// Loads the master key from `path`, creating it with mode 0600 when `createIfMissing` is set.
    ///
    /// - Throws: `Failure` when the file is missing (and may not be created), has the wrong
    ///   length, or is readable by other users.
    public static func loadKey(at path: String, createIfMissing: Bool) throws(Failure) -> [UInt8] {
        if access(path, F_OK) != 0 {
            guard createIfMissing else {
                throw Failure(description: "The master key file \(path) does not exist. Create it with 32 random bytes "
                    + "(head -c 32 /dev/urandom > \(path); chmod 600 \(path)), or unset the variable that names it.")
            }
            try createKeyFile(at: path)
        }

        var status = stat()
        guard stat(path, &status) == 0 else {
            throw Failure(description: "Cannot read the master key file \(path): \(String(cString: strerror(errno))).")
        }
        guard status.st_mode & 0o077 == 0 else {
            throw Failure(description: "The master key file \(path) is readable by other users (mode "
                + String(status.st_mode & 0o777, radix: 8) + "). Run chmod 600 \(path).")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Failure(description: "Cannot read the master key file \(path).")
        }
        guard data.count == keyLength else {
            throw Failure(description: "The master key file \(path) contains \(data.count) bytes; it must contain exactly "
                + "\(keyLength). Restore the original file: without it, stored API tokens cannot be decrypted.")
        }
        return Array(data)
    }

    private static func createKeyFile(at path: String) throws(Failure) {
        let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw Failure(description: "Cannot create the master key file \(path): \(String(cString: strerror(errno))).")
        }
        let bytes = AccessKey.randomBytes(keyLength)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd)
        close(fd)
        guard written == keyLength, synced == 0 else {
            unlink(path)
            throw Failure(description: "Cannot write the master key file \(path).")
        }
    }

    /// Returns the associated data that binds a sealed token to one integration of one tenant.
    public static func associatedData(tenantID: String, integrationID: String) -> [UInt8] {
        Array("addigysync/api-token/v1/\(tenantID)/\(integrationID)".utf8)
    }

    /// Encrypts `plaintext` with a new random nonce.
    public func seal(_ plaintext: String, associatedData: [UInt8]) throws(Failure) -> [UInt8] {
        let nonce = AccessKey.randomBytes(Self.nonceLength)
        let input = Array(plaintext.utf8)
        var ciphertext = [UInt8](repeating: 0, count: input.count)
        var tag = [UInt8](repeating: 0, count: Self.tagLength)

        guard let context = EVP_CIPHER_CTX_new() else { throw Failure(description: "OpenSSL could not allocate a cipher.") }
        defer { EVP_CIPHER_CTX_free(context) }
        var length: Int32 = 0
        // GCM writes no bytes at the final step; the scratch buffer only satisfies the signature.
        var scratch = [UInt8](repeating: 0, count: 16)
        guard EVP_EncryptInit_ex(context, EVP_aes_256_gcm(), nil, nil, nil) == 1,
            EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_SET_IVLEN, Int32(Self.nonceLength), nil) == 1,
            EVP_EncryptInit_ex(context, nil, nil, key, nonce) == 1,
            associatedData.isEmpty || EVP_EncryptUpdate(context, nil, &length, associatedData, Int32(associatedData.count)) == 1,
            input.isEmpty || EVP_EncryptUpdate(context, &ciphertext, &length, input, Int32(input.count)) == 1,
            EVP_EncryptFinal_ex(context, &scratch, &length) == 1,
            EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_GET_TAG, Int32(Self.tagLength), &tag) == 1
        else {
            throw Failure(description: "AES-256-GCM encryption failed in OpenSSL.")
        }
        return [Self.version] + nonce + ciphertext + tag
    }

    /// Decrypts a sealed token; fails when the data, the key or the associated data differ
    /// from what sealed it.
    public func open(_ sealed: [UInt8], associatedData: [UInt8]) throws(Failure) -> String {
        let minimum = 1 + Self.nonceLength + Self.tagLength
        guard sealed.count >= minimum, sealed[0] == Self.version else {
            throw Failure(description: "The stored token is not in a format this version can read.")
        }
        let nonce = Array(sealed[1..<(1 + Self.nonceLength)])
        let ciphertext = Array(sealed[(1 + Self.nonceLength)..<(sealed.count - Self.tagLength)])
        var tag = Array(sealed[(sealed.count - Self.tagLength)...])
        var plaintext = [UInt8](repeating: 0, count: ciphertext.count)

        guard let context = EVP_CIPHER_CTX_new() else { throw Failure(description: "OpenSSL could not allocate a cipher.") }
        defer { EVP_CIPHER_CTX_free(context) }
        var length: Int32 = 0
        var scratch = [UInt8](repeating: 0, count: 16)
        let opened = EVP_DecryptInit_ex(context, EVP_aes_256_gcm(), nil, nil, nil) == 1
            && EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_SET_IVLEN, Int32(Self.nonceLength), nil) == 1
            && EVP_DecryptInit_ex(context, nil, nil, key, nonce) == 1
            && (associatedData.isEmpty
                || EVP_DecryptUpdate(context, nil, &length, associatedData, Int32(associatedData.count)) == 1)
            && (ciphertext.isEmpty
                || EVP_DecryptUpdate(context, &plaintext, &length, ciphertext, Int32(ciphertext.count)) == 1)
            && EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_SET_TAG, Int32(Self.tagLength), &tag) == 1
            && EVP_DecryptFinal_ex(context, &scratch, &length) == 1
        guard opened, let text = String(validating: plaintext, as: UTF8.self) else {
            throw Failure(description: "The stored token could not be decrypted: it was changed, moved from another "
                + "integration, or sealed with another master key. Set the token again with "
                + "integration.updateCredentials.")
        }
        return text
    }
}
