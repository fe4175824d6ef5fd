import AddigySimulator
import Foundation
import JSONCore
import Synchronization
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The exit status and output of one `addigysync` run.
struct CLIResult: CustomStringConvertible {
    let status: Int32
    let stdout: String
    let stderr: String

    var description: String { "exit \(status)\n--- stdout\n\(stdout)--- stderr\n\(stderr)" }

    /// Standard output parsed as JSON; fails the test when it does not parse.
    func json(sourceLocation: SourceLocation = #_sourceLocation) throws -> JSONValue {
        do {
            return try JSONParser.parse(stdout)
        } catch {
            Issue.record("stdout is not JSON (\(error)): \(self)", sourceLocation: sourceLocation)
            throw error
        }
    }
}

/// Paths of the binaries that `swift build` puts beside the test bundle.
enum Binaries {
    static let directory: URL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
    static let cli = directory.appendingPathComponent("addigysync").path
    static let daemon = directory.appendingPathComponent("addigysyncd").path
}

/// Builds an environment without the caller's AddigySync settings, so that the CLI never finds this
/// machine's own daemon socket or key file. `HOME` is `home`, a temporary folder.
func isolatedEnvironment(home directory: String, _ extra: [String: String] = [:]) -> [String: String] {
    var environment = ["PATH": "/usr/bin:/bin", "HOME": directory, "LANG": "C.UTF-8"]
    environment.merge(extra) { _, new in new }
    return environment
}

/// Runs the built `addigysync` on a thread of its own and returns its status and output.
///
/// `stdin` is written to its standard input, which is then closed. Standard output and standard
/// error are read on separate threads, so neither pipe can fill up and stall the process. A stream
/// given as a file handle (such as a pseudo-terminal) is used as it is and not captured.
func runCLI(
    _ arguments: [String],
    environment: [String: String],
    stdin: String? = nil,
    standardInput: FileHandle? = nil,
    standardOutput: FileHandle? = nil,
    standardError: FileHandle? = nil
) async throws -> CLIResult {
    try await runBlocking {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Binaries.cli)
        process.arguments = arguments
        process.environment = environment
        let output = Pipe()
        let errors = Pipe()
        let input = Pipe()
        process.standardOutput = standardOutput ?? output
        process.standardError = standardError ?? errors
        process.standardInput = standardInput ?? input
        try process.run()

        // Standard error is read on a thread of its own; the semaphore orders its write before the read below.
        let errorOutput = ReadResult()
        let errorDone = DispatchSemaphore(value: 0)
        if standardError == nil {
            let errorHandle = errors.fileHandleForReading
            Thread {
                errorOutput.data = errorHandle.readDataToEndOfFile()
                errorDone.signal()
            }.start()
        } else {
            errorDone.signal()
        }
        if standardInput == nil {
            if let stdin {
                input.fileHandleForWriting.write(Data(stdin.utf8))
            }
            try input.fileHandleForWriting.close()
        }
        let outputData = standardOutput == nil ? output.fileHandleForReading.readDataToEndOfFile() : Data()
        errorDone.wait()
        process.waitUntilExit()
        return CLIResult(
            status: process.terminationStatus,
            stdout: String(decoding: outputData, as: UTF8.self),
            stderr: String(decoding: errorOutput.data, as: UTF8.self)
        )
    }
}

/// Bytes read on another thread, handed over after a semaphore signal.
private final class ReadResult: @unchecked Sendable {
    var data = Data()
}

/// Processes started by this test process, killed when it exits in case a fixture is never released.
final class LiveProcesses: Sendable {
    static let shared = LiveProcesses()
    private let pids = Mutex<Set<Int32>>([])

    private init() {
        atexit {
            for pid in LiveProcesses.shared.pids.withLock({ $0 }) {
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

/// A temporary folder with a real `addigysyncd` on its own socket and, unless turned off, the
/// Addigy simulator in this process on 127.0.0.1 with a port the system picks.
final class CLIFixture: @unchecked Sendable {
    static let token = "cli-test-token-0123456789"

    let directory: TemporaryDirectory
    let socketPath: String
    let stateDirectory: String
    let simulator: AddigySimulator?
    private let daemon = Process()
    private let logPath: String

    init(simulate: Bool = true, deviceCount: Int = 60) async throws {
        directory = try TemporaryDirectory()
        socketPath = directory.appending("d.sock")
        stateDirectory = directory.appending("state")
        logPath = directory.appending("daemon.log")

        if simulate {
            let configuration = SimulatorConfiguration(
                port: 0, tokens: [SimulatorToken(Self.token)], fleet: Fleet.generate(seed: 7, deviceCount: deviceCount)
            )
            let simulator = AddigySimulator(configuration: configuration)
            _ = try simulator.start()
            self.simulator = simulator
        } else {
            simulator = nil
        }

        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        daemon.executableURL = URL(fileURLWithPath: Binaries.daemon)
        daemon.arguments = ["--socket", socketPath, "--state-dir", stateDirectory, "--log-level", "debug"]
        daemon.environment = isolatedEnvironment(home: directory.path)
        daemon.standardError = FileHandle(forWritingAtPath: logPath)
        daemon.standardOutput = FileHandle.nullDevice
        try daemon.run()
        LiveProcesses.shared.insert(daemon.processIdentifier)
        try await runBlocking { [self] in try waitUntilListening() }
    }

    private func waitUntilListening() throws {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if !daemon.isRunning {
                throw LineClient.Failure(description: "addigysyncd exited with \(daemon.terminationStatus): \(log)")
            }
            if (try? LineClient(path: socketPath)) != nil {
                return
            }
            usleep(10_000)
        }
        throw LineClient.Failure(description: "addigysyncd did not listen within 10 s: \(log)")
    }

    deinit {
        if daemon.isRunning {
            kill(daemon.processIdentifier, SIGKILL)
            daemon.waitUntilExit()
        }
        LiveProcesses.shared.remove(daemon.processIdentifier)
        simulator?.stop()
    }

    var log: String {
        (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
    }

    var keyFile: String { stateDirectory + "/default-tenant.key" }

    var baseURL: String { simulator?.baseURL ?? "" }

    var environment: [String: String] { isolatedEnvironment(home: directory.path) }

    /// Runs `addigysync --socket <this daemon> --key-file <default tenant key> ARGUMENTS`.
    func run(_ arguments: String..., environment extra: [String: String] = [:], stdin: String? = nil) async throws -> CLIResult {
        try await runArguments(arguments, environment: extra, stdin: stdin)
    }

    func runArguments(_ arguments: [String], environment extra: [String: String] = [:], stdin: String? = nil) async throws -> CLIResult {
        var environment = self.environment
        environment.merge(extra) { _, new in new }
        return try await runCLI(["--socket", socketPath, "--key-file", keyFile] + arguments, environment: environment, stdin: stdin)
    }

    /// Connects the simulator with the token in `ADDIGY_API_TOKEN` and returns the integration id.
    @discardableResult
    func connect(name: String? = nil) async throws -> String {
        var arguments = ["connect", "--base-url", baseURL, "--json"]
        if let name {
            arguments += ["--name", name]
        }
        let result = try await runArguments(arguments, environment: ["ADDIGY_API_TOKEN": Self.token])
        #expect(result.status == 0, "\(result)")
        return try #require(try result.json()["integrationId"]?.stringValue)
    }

    /// Stops the daemon with SIGTERM and returns its exit status.
    @discardableResult
    func stopDaemon() async throws -> Int32 {
        if daemon.isRunning {
            kill(daemon.processIdentifier, SIGTERM)
        }
        return try await runBlocking { [self] in
            let deadline = Date().addingTimeInterval(10)
            while daemon.isRunning && Date() < deadline {
                usleep(10_000)
            }
            guard !daemon.isRunning else {
                kill(daemon.processIdentifier, SIGKILL)
                throw LineClient.Failure(description: "addigysyncd did not stop within 10 s")
            }
            return daemon.terminationStatus
        }
    }
}
