import DaemonLog
import Foundation
import InventoryStore

#if canImport(Glibc)
import Glibc
#endif

/// The tenant made at first start, whose key local clients read from a file.
public enum DefaultTenant {
    public static let name = "default"
    public static let keyFileName = "default-tenant.key"

    /// Makes sure the default tenant exists and its key file is in place.
    ///
    /// At first start it creates the tenant and writes its key. If the tenant exists but the
    /// key file was deleted, the key cannot be recovered from its hash, so a new key is made
    /// and written; the old one stops working.
    public static func ensure(in store: Store, stateDirectory: String, logger: Logger) async throws {
        let path = stateDirectory + "/" + keyFileName
        let existing = try await store.defaultTenant()
        if existing != nil, FileManager.default.fileExists(atPath: path) {
            return
        }

        let key = AccessKey.generate()
        if let existing {
            _ = try await store.rotateAccessKey(tenantID: existing.id, newHash: AccessKey.hash(key))
            logger.warning("default tenant key file was missing; wrote a new key", [("path", path)])
        } else {
            let tenant = try await store.createTenant(name: name, accessKeyHash: AccessKey.hash(key), isDefault: true)
            logger.notice("created default tenant", [("tenant.id", tenant.id), ("key.path", path)])
        }
        try writeKeyFile(key, to: path)
    }

    /// Writes a key to a file with mode 0600, through a temporary file and a rename so that
    /// a reader never sees a partial key and the file is never readable by others.
    static func writeKeyFile(_ key: String, to path: String) throws {
        let temporary = path + ".tmp"
        unlink(temporary)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw DaemonError("Cannot write \(temporary): \(String(cString: strerror(errno))).")
        }
        let bytes = Array((key + "\n").utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd)
        close(fd)
        guard written == bytes.count, synced == 0, rename(temporary, path) == 0 else {
            unlink(temporary)
            throw DaemonError("Cannot write the key file \(path): \(String(cString: strerror(errno))).")
        }
    }
}

/// A failure that stops the daemon, with a message for the operator.
public struct DaemonError: Error, CustomStringConvertible, Sendable {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}
