import AddigySimulator
import Foundation
import JSONCore
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The `addigy-sim` binary beside the test bundle.
let simulatorBinaryPath: String = {
    let testBinary = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    return testBinary.deletingLastPathComponent().appendingPathComponent("addigy-sim").path
}()

/// Tests of the `addigy-sim` binary, which `swift build --build-tests` places beside the test
/// bundle. They are skipped when the binary is missing, because the test target does not
/// depend on the executable target.
@Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: simulatorBinaryPath)))
struct ExecutableTests {
    static let binaryPath = simulatorBinaryPath

    /// The result of a finished `addigy-sim` run.
    struct Run: Sendable {
        var status: Int32
        var standardOutput: String
        var standardError: String
    }

    /// Starts `addigy-sim` with `arguments`, waits up to 30 seconds for its listening line,
    /// calls `whileRunning` with the port, then sends SIGTERM and returns how the process ended.
    /// A process still running 10 seconds after SIGTERM is killed, so a test never hangs.
    static func run(_ arguments: [String], whileRunning: @escaping @Sendable (Int) throws -> Void = { _ in }) async throws -> Run {
        try await blocking {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: binaryPath)
            process.arguments = arguments
            let output = Pipe()
            let errors = Pipe()
            process.standardOutput = output
            process.standardError = errors
            try process.run()

            let printed = readUntilListening(output.fileHandleForReading.fileDescriptor, deadline: Date().addingTimeInterval(30))
            var failure: (any Error)?
            if let range = printed.range(of: #"127\.0\.0\.1:\d+/"#, options: .regularExpression) {
                let port = Int(printed[range].dropFirst("127.0.0.1:".count).dropLast()) ?? 0
                do {
                    try whileRunning(port)
                } catch {
                    failure = error
                }
            }
            stop(process)
            if let failure { throw failure }

            let rest = output.fileHandleForReading.readDataToEndOfFile()
            let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            return Run(status: process.terminationStatus, standardOutput: printed + String(decoding: rest, as: UTF8.self), standardError: errorText)
        }
    }

    /// Reads `descriptor` until the text contains "listening on", the pipe closes, or `deadline` passes.
    static func readUntilListening(_ descriptor: Int32, deadline: Date) -> String {
        var printed: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4_096)
        while !String(decoding: printed, as: UTF8.self).contains("listening on"), Date() < deadline {
            var request = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&request, 1, 100) > 0 else { continue }
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count <= 0 { break }
            printed.append(contentsOf: chunk[0..<count])
        }
        return String(decoding: printed, as: UTF8.self)
    }

    /// Sends SIGTERM when the process is still running and waits for it, killing it after 10 seconds.
    static func stop(_ process: Process) {
        if process.isRunning {
            process.terminate()
        }
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning && Date() < deadline {
            usleep(10_000)
        }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
        }
        process.waitUntilExit()
    }

    @Test func startsAndStopsOnSIGTERM() async throws {
        let run = try await Self.run(["--devices", "30", "--token", "cli-token"]) { port in
            let response = try TestConnection(port: port).request("GET", "/api/v2/configuration/whoami", apiKey: "cli-token")
            guard response.status == 200 else { throw ClientError(description: "whoami returned \(response.status)") }
        }

        #expect(run.status == 0)
        #expect(run.standardOutput.hasPrefix("addigy-sim listening on http://127.0.0.1:"))
        #expect(run.standardError.contains("GET /api/v2/configuration/whoami status=200"))
        #expect(!run.standardError.contains("cli-token"))
    }

    @Test func generatedTokenPrinted() async throws {
        let run = try await Self.run(["--devices", "5"])

        #expect(run.status == 0)
        #expect(run.standardOutput.contains("addigy-sim token: "))
    }

    @Test func invalidOptionExits64() async throws {
        let run = try await Self.run(["--error-rate", "1.5"])

        #expect(run.status == 64)
        #expect(run.standardError.contains("--error-rate must be a fraction from 0 to 1"))
    }

    @Test func requestLogFileWritten() async throws {
        let path = try Fixtures.temporaryPath("requests.jsonl")

        let run = try await Self.run(["--devices", "30", "--token", "cli-token", "--request-log", path]) { port in
            _ = try TestConnection(port: port).request("POST", "/api/v2/devices", apiKey: "cli-token", body: #"{"per_page": 7}"#)
        }
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        let entry = try JSONParser.parse(String(try #require(lines.first)))

        #expect(run.status == 0)
        #expect(lines.count == 1)
        #expect(entry["path"] == "/api/v2/devices")
        #expect(entry["per_page"] == 7)
        #expect(entry["token"]?.stringValue == SimulatorToken.fingerprint(of: "cli-token"))
    }
}
