import Foundation
import InventoryStore
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite struct LifecycleTests {
    private func fileStatus(_ path: String) -> stat? {
        var status = stat()
        return lstat(path, &status) == 0 ? status : nil
    }

    @Test func socketHasMode0600() async throws {
        let daemon = try await DaemonProcess.started()
        let status = try #require(fileStatus(daemon.socketPath))
        #expect(status.st_mode & S_IFMT == S_IFSOCK)
        #expect(status.st_mode & 0o777 == 0o600)
        #expect(try await daemon.stop() == 0)
    }

    @Test func socketGroupGivesMode0660() async throws {
        let daemon = try await DaemonProcess.started(arguments: ["--socket-group", "65534"])
        let status = try #require(fileStatus(daemon.socketPath))
        #expect(status.st_mode & 0o777 == 0o660)
        #expect(status.st_gid == 65534)
        #expect(try await daemon.stop() == 0)
    }

    @Test func stateFilesArePrivate() async throws {
        let daemon = try await DaemonProcess.started()
        #expect(try #require(fileStatus(daemon.stateDirectory)).st_mode & 0o777 == 0o700)
        #expect(try #require(fileStatus(daemon.stateDirectory + "/default-tenant.key")).st_mode & 0o777 == 0o600)
        #expect(try #require(fileStatus(daemon.stateDirectory + "/addigysync.db")).st_mode & 0o777 == 0o600)
        #expect(try await daemon.stop() == 0)
    }

    @Test func sigtermRemovesSocketAndExitsZero() async throws {
        let daemon = try await DaemonProcess.started()
        #expect(try await daemon.stop() == 0)
        #expect(fileStatus(daemon.socketPath) == nil)
        #expect(daemon.log.contains("msg=stopped"))
    }

    @Test func sigintAlsoStopsCleanly() async throws {
        let daemon = try await DaemonProcess.started()
        kill(daemon.process.processIdentifier, SIGINT)
        #expect(try await daemon.waitForExit() == 0)
        #expect(fileStatus(daemon.socketPath) == nil)
    }

    @Test func staleSocketIsReplaced() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.appending("d.sock")
        try makeSocketFile(at: path, listening: false)

        let daemon = try await DaemonProcess.started(directory: directory, socketPath: path)
        let client = try daemon.connect()
        _ = client
        #expect(daemon.log.contains("replaced stale socket file"))
        #expect(try await daemon.stop() == 0)
    }

    @Test func liveSocketOfAnotherServerIsRefused() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.appending("d.sock")
        let listener = try makeSocketFile(at: path, listening: true)
        defer { close(listener) }

        let daemon = try await DaemonProcess.started(directory: directory, socketPath: path, waitForSocket: false)
        #expect(try await daemon.waitForExit() == 1)
        #expect(daemon.log.contains("Another daemon is already listening on \(path)"))
        #expect(fileStatus(path) != nil, "the live socket must stay")
    }

    @Test func secondDaemonOnSameSocketIsRefused() async throws {
        let first = try await DaemonProcess.started()
        let secondDirectory = try TemporaryDirectory()
        let second = try await DaemonProcess.started(directory: secondDirectory, socketPath: first.socketPath, waitForSocket: false)
        #expect(try await second.waitForExit() == 1)
        #expect(second.log.contains("Another addigysyncd"))
        let client = try first.connect()
        _ = client
        #expect(try await first.stop() == 0)
    }

    @Test func regularFileAtSocketPathIsKept() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.appending("d.sock")
        FileManager.default.createFile(atPath: path, contents: Data("keep me".utf8))
        let daemon = try await DaemonProcess.started(directory: directory, socketPath: path, waitForSocket: false)
        #expect(try await daemon.waitForExit() == 1)
        #expect(daemon.log.contains("is not a socket"))
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "keep me")
    }

    @Test func tooLongSocketPathIsExplained() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.appending(String(repeating: "s", count: 120) + ".sock")
        let daemon = try await DaemonProcess.started(directory: directory, socketPath: path, waitForSocket: false)
        #expect(try await daemon.waitForExit() == 1)
        #expect(daemon.log.contains("at most 107"))
    }

    @Test func newerDatabaseStopsDaemon() async throws {
        let directory = try TemporaryDirectory()
        let first = try await DaemonProcess.started(directory: directory)
        #expect(try await first.stop() == 0)

        let database = try SQLiteConnection(path: first.stateDirectory + "/addigysync.db")
        try database.execute("INSERT INTO schema_migrations VALUES ('9999_from_the_future', '2030-01-01T00:00:00.000Z')")
        database.close()

        let second = try await DaemonProcess.started(directory: directory, waitForSocket: false)
        #expect(try await second.waitForExit() == 1)
        #expect(second.log.contains("written by a newer AddigySync"))
        #expect(second.log.contains("9999_from_the_future"))
        #expect(fileStatus(second.socketPath) == nil)
    }

    @Test func masterKeyIsCreatedPrivate() async throws {
        let daemon = try await DaemonProcess.started()
        #expect(try #require(fileStatus(daemon.stateDirectory + "/master.key")).st_mode & 0o777 == 0o600)
        #expect(try #require(fileStatus(daemon.stateDirectory + "/master.key")).st_size == 32)
        #expect(try await daemon.stop() == 0)
    }

    @Test func missingGivenMasterKeyStopsDaemon() async throws {
        let directory = try TemporaryDirectory()
        let keyPath = directory.appending("absent.key")
        let daemon = try await DaemonProcess.started(
            directory: directory,
            environment: ["ADDIGYSYNC_MASTER_KEY_FILE": keyPath],
            waitForSocket: false
        )
        #expect(try await daemon.waitForExit() == 1)
        #expect(daemon.log.contains("The master key file \(keyPath) does not exist"))
    }

    @Test func restartKeepsDefaultKey() async throws {
        let directory = try TemporaryDirectory()
        let first = try await DaemonProcess.started(directory: directory)
        let key = try first.defaultKey
        #expect(try await first.stop() == 0)
        let second = try await DaemonProcess.started(directory: directory)
        #expect(try second.defaultKey == key)
        #expect(try await second.stop() == 0)
    }

    @Test func missingKeyFileIsRewrittenWithNewKey() async throws {
        let directory = try TemporaryDirectory()
        let first = try await DaemonProcess.started(directory: directory)
        let oldKey = try first.defaultKey
        #expect(try await first.stop() == 0)
        try FileManager.default.removeItem(atPath: first.stateDirectory + "/default-tenant.key")

        let second = try await DaemonProcess.started(directory: directory)
        let newKey = try second.defaultKey
        #expect(newKey != oldKey)
        _ = try await second.authenticatedClient(key: newKey)
        let stale = try second.connect()
        #expect(try await stale.call("session.authenticate", ["accessKey": .string(oldKey)])["error"]?["code"] == 4001)
        #expect(try await second.stop() == 0)
    }
}

/// Creates a Unix socket file at `path`: left listening (a live server), or closed without
/// removing the file, as a crashed daemon leaves it. Returns the descriptor of a live one.
@discardableResult
func makeSocketFile(at path: String, listening: Bool) throws -> Int32 {
    let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    withUnsafeMutableBytes(of: &address.sun_path) { raw in
        let bytes = Array(path.utf8)
        raw.copyBytes(from: bytes)
        raw[bytes.count] = 0
    }
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
    }
    guard bound == 0 else { throw LineClient.Failure(description: "bind failed: errno \(errno)") }
    if listening {
        listen(fd, 8)
        return fd
    }
    close(fd)
    return -1
}
