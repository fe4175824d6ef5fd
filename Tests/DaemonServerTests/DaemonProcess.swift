import Foundation
import Synchronization
import JSONCore
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// The built `addigysyncd` binary, run as a child process on a socket in a temporary folder.
final class DaemonProcess: @unchecked Sendable {
    /// The daemon binary, built beside the test bundle by `swift build`.
    static let binaryPath: String = {
        let testBinary = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        return testBinary.deletingLastPathComponent().appendingPathComponent("addigysyncd").path
    }()

    /// The repository's top folder, for reading `protocol/`.
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    let directory: TemporaryDirectory
    let socketPath: String
    let stateDirectory: String
    let process = Process()
    private let logPath: String

    /// Starts the daemon and, unless `waitForSocket` is false, waits on a thread of its own
    /// until the socket accepts connections, so the wait never blocks the concurrency pool.
    static func started(
        directory: TemporaryDirectory? = nil,
        socketPath: String? = nil,
        arguments: [String] = [],
        environment: [String: String] = [:],
        waitForSocket: Bool = true
    ) async throws -> DaemonProcess {
        let daemon = try DaemonProcess(
            directory: directory, socketPath: socketPath, arguments: arguments, environment: environment
        )
        if waitForSocket {
            try await runBlocking { try daemon.waitUntilReady() }
        }
        return daemon
    }

    /// Starts the daemon without waiting for it.
    private init(
        directory: TemporaryDirectory? = nil,
        socketPath: String? = nil,
        arguments: [String] = [],
        environment: [String: String] = [:]
    ) throws {
        self.directory = try directory ?? TemporaryDirectory()
        self.socketPath = socketPath ?? self.directory.appending("d.sock")
        self.stateDirectory = self.directory.appending("state")
        self.logPath = self.directory.appending("daemon-\(UUID().uuidString.prefix(8)).log")

        FileManager.default.createFile(atPath: logPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: Self.binaryPath)
        process.arguments = ["--socket", self.socketPath, "--state-dir", stateDirectory, "--log-level", "debug"]
            + arguments
        var fullEnvironment = ProcessInfo.processInfo.environment
        fullEnvironment.merge(environment) { _, new in new }
        process.environment = fullEnvironment
        process.standardError = FileHandle(forWritingAtPath: logPath)
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        LiveDaemons.shared.insert(process.processIdentifier)
    }

    private func waitUntilReady() throws {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if !process.isRunning {
                throw LineClient.Failure(description: "addigysyncd exited with \(process.terminationStatus): \(log)")
            }
            if (try? LineClient(path: socketPath)) != nil {
                return
            }
            usleep(10_000)
        }
        throw LineClient.Failure(description: "addigysyncd did not listen within 10 s: \(log)")
    }

    /// Everything the daemon wrote to stderr so far.
    var log: String {
        (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
    }

    var defaultKey: String {
        get throws {
            try String(contentsOfFile: stateDirectory + "/default-tenant.key", encoding: .utf8)
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    func connect() throws -> LineClient {
        try LineClient(path: socketPath)
    }

    /// Connects and authenticates with `key`, or with the default tenant's key.
    func authenticatedClient(key: String? = nil) async throws -> LineClient {
        let client = try connect()
        let reply = try await client.call("session.authenticate", ["accessKey": .string(try key ?? defaultKey)])
        guard reply["result"] != nil else {
            throw LineClient.Failure(description: "authentication failed: \(reply)")
        }
        return client
    }

    /// Waits for the process to exit by itself and returns its status.
    func waitForExit(timeout: Double = 10) async throws -> Int32 {
        try await runBlocking { try self.waitForExitBlocking(timeout: timeout) }
    }

    private func waitForExitBlocking(timeout: Double) throws -> Int32 {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline {
            usleep(10_000)
        }
        guard !process.isRunning else {
            process.terminate()
            throw LineClient.Failure(description: "addigysyncd did not exit within \(timeout) s")
        }
        return process.terminationStatus
    }

    /// Sends SIGTERM and returns the exit status.
    ///
    /// It waits 30 seconds: the daemon may spend its whole 10-second shutdown timeout draining
    /// requests and then cancel its background syncs, which on a loaded machine takes a while.
    @discardableResult
    func stop() async throws -> Int32 {
        if process.isRunning {
            kill(process.processIdentifier, SIGTERM)
        }
        return try await waitForExit(timeout: 30)
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        LiveDaemons.shared.remove(process.processIdentifier)
    }
}

/// Daemons started by this test process. A fixture that is never released would leave its daemon
/// running after the tests end, so the process kills whatever is left when it exits.
final class LiveDaemons: Sendable {
    static let shared = LiveDaemons()
    private let pids = Mutex<Set<Int32>>([])

    private init() {
        atexit {
            for pid in LiveDaemons.shared.pids.withLock({ $0 }) {
                kill(pid, SIGKILL)
            }
        }
    }

    func insert(_ pid: Int32) {
        _ = pids.withLock { $0.insert(pid) }
    }

    func remove(_ pid: Int32) {
        _ = pids.withLock { $0.remove(pid) }
    }
}

/// Runs a command to completion on a thread of its own and returns its exit status, stdout and stderr.
func runCommand(_ path: String, _ arguments: [String], stdin: String? = nil) async throws -> (Int32, String, String) {
    try await runBlocking { try runCommandBlocking(path, arguments, stdin: stdin) }
}

private func runCommandBlocking(_ path: String, _ arguments: [String], stdin: String?) throws -> (Int32, String, String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    let output = Pipe()
    let errors = Pipe()
    let input = Pipe()
    process.standardOutput = output
    process.standardError = errors
    process.standardInput = input
    try process.run()
    if let stdin {
        input.fileHandleForWriting.write(Data(stdin.utf8))
    }
    try input.fileHandleForWriting.close()
    let outputData = output.fileHandleForReading.readDataToEndOfFile()
    let errorData = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: outputData, as: UTF8.self), String(decoding: errorData, as: UTF8.self))
}
