import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The identity of the process on the other end of a Unix socket, read with `SO_PEERCRED`.
public struct PeerCredentials: Sendable, Equatable, CustomStringConvertible {
    public let pid: Int32
    public let uid: UInt32
    public let gid: UInt32

    public init(pid: Int32, uid: UInt32, gid: UInt32) {
        self.pid = pid
        self.uid = uid
        self.gid = gid
    }

    public var description: String { "pid=\(pid) uid=\(uid) gid=\(gid)" }
}

/// The `struct ucred` of `<sys/socket.h>`, which Glibc's Swift module does not import
/// because it is declared only under `_GNU_SOURCE`. Its layout is three 32-bit fields.
private struct UCred {
    var pid: Int32 = 0
    var uid: UInt32 = 0
    var gid: UInt32 = 0
}

/// A failure to set up or use a Unix socket, with the path and what to do about it.
public struct SocketError: Error, Sendable, CustomStringConvertible {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }

    static func system(_ operation: String, path: String, errno code: Int32 = errno) -> SocketError {
        SocketError("\(operation) failed for socket \(path): \(String(cString: strerror(code))) (errno \(code)).")
    }
}

enum UnixSocket {
    /// The longest path `sockaddr_un` holds on Linux, leaving room for the terminating NUL.
    static let maxPathLength = 107

    /// Calls `body` with a `sockaddr_un` for `path`, or throws when the path is too long,
    /// which would otherwise be truncated silently by some callers.
    static func withAddress<T>(
        _ path: String,
        _ body: (UnsafePointer<sockaddr>, socklen_t) throws -> T
    ) throws -> T {
        let bytes = Array(path.utf8)
        guard bytes.count <= maxPathLength else {
            throw SocketError(
                "Socket path \(path) is \(bytes.count) bytes long; Unix sockets allow at most \(maxPathLength). "
                    + "Choose a shorter --socket path."
            )
        }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + 1)
        return try withUnsafePointer(to: &address) { pointer in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { try body($0, length) }
        }
    }

    static func makeStreamSocket() throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SocketError("socket() failed: \(String(cString: strerror(errno))).") }
        return fd
    }

    static func setNonBlocking(_ fd: Int32) {
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
        let descriptorFlags = fcntl(fd, F_GETFD)
        _ = fcntl(fd, F_SETFD, descriptorFlags | FD_CLOEXEC)
    }

    static func peerCredentials(of fd: Int32) -> PeerCredentials? {
        var credentials = UCred()
        var length = socklen_t(MemoryLayout<UCred>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &length) == 0 else { return nil }
        return PeerCredentials(pid: credentials.pid, uid: credentials.uid, gid: credentials.gid)
    }

    /// Returns whether a server accepts connections on `path`. `ECONNREFUSED` means the file is stale.
    static func isLive(_ path: String) -> Bool {
        guard let fd = try? makeStreamSocket() else { return false }
        defer { close(fd) }
        let result = try? withAddress(path) { address, length in connect(fd, address, length) }
        return result == 0
    }
}

/// A listening Unix stream socket that owns its path.
///
/// Setting up follows a fixed order so that the socket never exists with looser permissions:
/// an exclusive `flock` on `<path>.lock` stops two daemons racing for the path; an existing
/// socket file is probed and replaced only when no server accepts a connection on it; then `bind`, `chmod`, optional
/// `chown` to a group, and only then `listen`, because a client cannot connect before `listen`.
public final class UnixSocketListener: Sendable {
    public let path: String
    public let fileDescriptor: Int32
    private let lockDescriptor: Int32

    /// Creates the socket at `path`.
    ///
    /// - Parameters:
    ///   - mode: the socket file's permissions, 0600 by default or 0660 with a group.
    ///   - groupID: a group to own the socket file, so that its members may connect.
    /// - Returns: the listener, and whether a stale socket file was replaced.
    /// - Throws: `SocketError` when another daemon accepts connections on the path, the path is not a
    ///   socket, is too long, or a system call fails.
    public static func bind(path: String, mode: mode_t, groupID: gid_t? = nil) throws -> (UnixSocketListener, Bool) {
        _ = try UnixSocket.withAddress(path) { _, _ in () }

        let lockPath = path + ".lock"
        let lockDescriptor = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard lockDescriptor >= 0 else { throw SocketError.system("Opening the lock file", path: lockPath) }
        guard flock(lockDescriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(lockDescriptor)
            throw SocketError(
                "Another addigysyncd holds the lock \(lockPath) for socket \(path). "
                    + "Stop it first, or pass another --socket path."
            )
        }

        do {
            let replacedStale = try removeStaleSocket(at: path)
            let fd = try makeListeningSocket(path: path, mode: mode, groupID: groupID)
            return (UnixSocketListener(path: path, fileDescriptor: fd, lockDescriptor: lockDescriptor), replacedStale)
        } catch {
            close(lockDescriptor)
            throw error
        }
    }

    private init(path: String, fileDescriptor: Int32, lockDescriptor: Int32) {
        self.path = path
        self.fileDescriptor = fileDescriptor
        self.lockDescriptor = lockDescriptor
    }

    private static func removeStaleSocket(at path: String) throws -> Bool {
        var status = stat()
        guard lstat(path, &status) == 0 else {
            if errno == ENOENT { return false }
            throw SocketError.system("lstat", path: path)
        }
        guard (status.st_mode & S_IFMT) == S_IFSOCK else {
            throw SocketError(
                "\(path) exists and is not a socket; the daemon will not delete it. "
                    + "Remove it yourself or pass another --socket path."
            )
        }
        if UnixSocket.isLive(path) {
            throw SocketError(
                "Another daemon is already listening on \(path). Stop it first, or pass another --socket path."
            )
        }
        guard unlink(path) == 0 || errno == ENOENT else {
            throw SocketError.system("Removing the stale socket", path: path)
        }
        return true
    }

    private static func makeListeningSocket(path: String, mode: mode_t, groupID: gid_t?) throws -> Int32 {
        let fd = try UnixSocket.makeStreamSocket()
        do {
            let bound = try UnixSocket.withAddress(path) { address, length in Glibc.bind(fd, address, length) }
            guard bound == 0 else { throw SocketError.system("bind", path: path) }
            guard chmod(path, mode) == 0 else { throw SocketError.system("chmod", path: path) }
            if let groupID {
                guard chown(path, uid_t.max, groupID) == 0 else { throw SocketError.system("chown", path: path) }
            }
            guard listen(fd, 511) == 0 else { throw SocketError.system("listen", path: path) }
            UnixSocket.setNonBlocking(fd)
            return fd
        } catch {
            close(fd)
            unlink(path)
            throw error
        }
    }

    /// Removes the socket file and closes the lock. The listening descriptor is closed by the
    /// accept loop's cancel handler, never here, so Dispatch never watches a closed descriptor.
    public func removeSocketFile() {
        unlink(path)
        close(lockDescriptor)
    }
}
