import Foundation
import JSONCore
import Synchronization
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

// Measures the daemon's RPC speed and memory and writes docs/benchmarks.md.
//
// Each figure is the median of several runs against a fresh daemon in a temporary folder.
// In every run the same load then goes to an anchor, scripts/anchor-jsonrpc-server.py, which is a
// minimal Python asyncio server on the same kind of socket. It starts after the daemon stopped,
// so each daemon figure sits beside one measured on the same machine at nearly the same time.
// The load generator parses no JSON (it counts reply lines) and drives all round-trip
// connections from one thread. Its own CPU time is reported beside each server's, so a reader
// can tell whether the generator or the server was the limit.

struct Options {
    var daemonPath = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        .deletingLastPathComponent().appendingPathComponent("addigysyncd").path
    var output = "docs/benchmarks.md"
    var runs = 3
    var pipelinedRequests = 200_000
    var connections = 64
    var roundTripSeconds = 5.0
    var anchorScript = "scripts/anchor-jsonrpc-server.py"

    static let usage = """
        Usage: addigysync-bench [--daemon PATH] [--anchor-script PATH] [--output FILE] [--runs N]
                                [--requests N] [--connections N] [--seconds S]

        Starts addigysyncd in a temporary folder N times (default 3) and measures, per run: time to
        socket ready, idle memory, server.info pipelined on one connection (--requests, default
        200000), and server.info round trips over --connections connections (default 64) for
        --seconds (default 5). In each run it then starts the anchor server (--anchor-script, default
        scripts/anchor-jsonrpc-server.py, run with python3 from PATH) and measures the same two loads
        against it. Writes the medians with the machine and the targets to --output (default
        docs/benchmarks.md).
        """

    static func parse(_ arguments: [String]) -> Options {
        var options = Options()
        var index = 0
        func value() -> String {
            index += 1
            guard index < arguments.count else { fail("option \(arguments[index - 1]) needs a value") }
            return arguments[index]
        }
        while index < arguments.count {
            switch arguments[index] {
            case "--daemon": options.daemonPath = value()
            case "--anchor-script": options.anchorScript = value()
            case "--output": options.output = value()
            case "--runs": options.runs = Int(value()) ?? 0
            case "--requests": options.pipelinedRequests = Int(value()) ?? 0
            case "--connections": options.connections = Int(value()) ?? 0
            case "--seconds": options.roundTripSeconds = Double(value()) ?? 0
            case "--help", "-h":
                print(usage)
                exit(0)
            default:
                fail("unknown option \(arguments[index])")
            }
            index += 1
        }
        guard options.runs > 0, options.pipelinedRequests > 0, options.connections > 0, options.roundTripSeconds > 0
        else { fail("--runs, --requests, --connections and --seconds must be positive") }
        guard FileManager.default.isReadableFile(atPath: options.anchorScript) else {
            fail("anchor server script \(options.anchorScript) not found. Run from the repository root, or pass --anchor-script PATH.")
        }
        return options
    }
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("addigysync-bench: \(message)\n".utf8))
    exit(64)
}

let serverInfoRequest = Array(#"{"jsonrpc":"2.0","id":1,"method":"server.info"}"#.utf8) + [0x0A]

// MARK: Server processes

/// A server under load, the daemon or the anchor, running in a temporary folder of its own.
final class ServerProcess {
    let name: String
    let directory: TemporaryDirectory
    let process = Process()
    let socketPath: String
    /// Seconds from starting the process to its first `server.info` reply.
    let readySeconds: Double

    /// Starts the daemon with its socket and state in a fresh temporary folder.
    static func daemon(path: String) throws -> ServerProcess {
        try ServerProcess(name: "addigysyncd", executable: path) { folder in
            ["--socket", folder.appending("bench.sock"), "--state-dir", folder.appending("state"), "--log-level", "warning"]
        }
    }

    /// Starts the anchor server with python3 from PATH, its socket in a fresh temporary folder.
    static func anchor(script: String) throws -> ServerProcess {
        try ServerProcess(name: "anchor-jsonrpc-server.py", executable: "/usr/bin/env") { folder in
            ["python3", script, folder.appending("bench.sock")]
        }
    }

    private init(name: String, executable: String, arguments: (TemporaryDirectory) -> [String]) throws {
        self.name = name
        directory = try TemporaryDirectory()
        socketPath = directory.appending("bench.sock")
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments(directory)
        process.standardError = FileHandle.standardError
        let started = monotonicSeconds()
        try process.run()
        while true {
            if let client = try? LineClient(path: socketPath) {
                try client.sendBlocking(serverInfoRequest)
                _ = try client.readLineBlocking(timeout: 10)
                break
            }
            guard process.isRunning, monotonicSeconds() - started < 10 else {
                if process.isRunning {
                    kill(process.processIdentifier, SIGTERM)
                    process.waitUntilExit()
                }
                throw LineClient.Failure(description: "\(name) did not become ready on \(socketPath) within 10 s")
            }
            usleep(1000)
        }
        readySeconds = monotonicSeconds() - started
    }

    var residentBytes: Int {
        residentMemory(of: process.processIdentifier)
    }

    /// User plus system CPU seconds the server used so far.
    var cpuSeconds: Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return 0 }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        let ticks = (Double(fields[11]) ?? 0) + (Double(fields[12]) ?? 0)
        return ticks / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    func stop() {
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
    }
}

/// Reads the resident memory of process `pid` in bytes from /proc; 0 if it cannot be read.
func residentMemory(of pid: Int32) -> Int {
    guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
        let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
        let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "")
    else { return 0 }
    return kilobytes * 1024
}

func monotonicSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

func processCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
        + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
}

/// Reads from `fd` until `count` newlines arrived; returns false on EOF or error.
func readLines(_ fd: Int32, count: Int, buffer: inout [UInt8]) -> Bool {
    var remaining = count
    while remaining > 0 {
        let received = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if received <= 0 {
            if received < 0 && errno == EINTR { continue }
            return false
        }
        buffer.withUnsafeBytes { raw in
            var position = raw.baseAddress!
            var left = received
            while left > 0, let hit = memchr(position, 0x0A, left) {
                remaining -= 1
                let consumed = position.distance(to: UnsafeRawPointer(hit)) + 1
                position += consumed
                left -= consumed
            }
        }
    }
    return true
}

// MARK: Scenarios

/// The figures of the two load phases against one server.
struct LoadResult {
    var loadResidentMB = 0.0
    var pipelinedPerSecond = 0.0
    var roundTripsPerSecond = 0.0
    var p50Milliseconds = 0.0
    var p99Milliseconds = 0.0
    var serverCPUSeconds = 0.0
    var generatorCPUSeconds = 0.0
}

struct RunResult {
    var readyMilliseconds = 0.0
    var idleResidentMB = 0.0
    var daemon = LoadResult()
    var anchor = LoadResult()
}

/// Sends `count` requests on one connection from one thread while another counts replies.
func measurePipelined(_ server: ServerProcess, count: Int) throws -> Double {
    let client = try LineClient(path: server.socketPath)
    let batch = 256
    let chunk = Array([[UInt8]](repeating: serverInfoRequest, count: batch).joined())

    let started = monotonicSeconds()
    let writer = Thread {
        var sent = 0
        while sent < count {
            let requests = min(batch, count - sent)
            try? client.sendBlocking(Array(chunk[0..<(requests * serverInfoRequest.count)]))
            sent += requests
        }
    }
    writer.start()
    var buffer = [UInt8](repeating: 0, count: 256 * 1024)
    guard readLines(client.fd, count: count, buffer: &buffer) else {
        throw LineClient.Failure(description: "\(server.name) closed the pipelined connection")
    }
    return Double(count) / (monotonicSeconds() - started)
}

/// Keeps one request outstanding on each of `connections` connections for `seconds`,
/// from a single thread that waits with poll(2), and collects the latencies.
///
/// One thread rather than one per connection: 64 client threads on a 2-core machine would
/// spend their time waiting for a core, and that wait would show up as daemon latency.
func measureRoundTrips(_ server: ServerProcess, connections: Int, seconds: Double) throws
    -> (perSecond: Double, latencies: [Double], peakResident: Int)
{
    let clients = try (0..<connections).map { _ in try LineClient(path: server.socketPath) }
    let peak = Mutex(0)
    let sampling = Atomic<Bool>(true)
    let pid = server.process.processIdentifier
    let sampler = Thread {
        while sampling.load(ordering: .relaxed) {
            let resident = residentMemory(of: pid)
            peak.withLock { $0 = max($0, resident) }
            usleep(200_000)
        }
    }
    sampler.start()

    var descriptors = clients.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
    var sentAt = [Double](repeating: 0, count: connections)
    var latencies: [Double] = []
    latencies.reserveCapacity(Int(seconds) * 100_000)
    var buffer = [UInt8](repeating: 0, count: 4096)

    let started = monotonicSeconds()
    let deadline = started + seconds
    for index in clients.indices {
        sentAt[index] = monotonicSeconds()
        try clients[index].sendBlocking(serverInfoRequest)
    }
    while monotonicSeconds() < deadline {
        let ready = poll(&descriptors, nfds_t(descriptors.count), 1000)
        if ready <= 0 { continue }
        for index in descriptors.indices where descriptors[index].revents != 0 {
            descriptors[index].revents = 0
            guard readLines(clients[index].fd, count: 1, buffer: &buffer) else {
                throw LineClient.Failure(description: "\(server.name) closed connection \(index)")
            }
            let now = monotonicSeconds()
            latencies.append(now - sentAt[index])
            sentAt[index] = now
            try clients[index].sendBlocking(serverInfoRequest)
        }
    }
    let elapsed = monotonicSeconds() - started
    sampling.store(false, ordering: .relaxed)
    return (Double(latencies.count) / elapsed, latencies.sorted(), peak.withLock { $0 })
}

func percentile(_ sorted: [Double], _ fraction: Double) -> Double {
    guard !sorted.isEmpty else { return 0 }
    return sorted[min(sorted.count - 1, Int(Double(sorted.count) * fraction))]
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted[sorted.count / 2]
}

/// Runs the pipelined phase, then the round-trip phase, against `server`.
func measureLoad(_ server: ServerProcess, options: Options) throws -> LoadResult {
    var result = LoadResult()
    let serverCPUBefore = server.cpuSeconds
    let generatorCPUBefore = processCPUSeconds()
    result.pipelinedPerSecond = try measurePipelined(server, count: options.pipelinedRequests)
    let (perSecond, latencies, peak) = try measureRoundTrips(
        server, connections: options.connections, seconds: options.roundTripSeconds
    )
    result.serverCPUSeconds = server.cpuSeconds - serverCPUBefore
    result.generatorCPUSeconds = processCPUSeconds() - generatorCPUBefore
    result.roundTripsPerSecond = perSecond
    result.p50Milliseconds = percentile(latencies, 0.50) * 1000
    result.p99Milliseconds = percentile(latencies, 0.99) * 1000
    result.loadResidentMB = Double(peak) / 1_048_576
    return result
}

/// Measures a fresh daemon, stops it, then measures a fresh anchor server with the same load.
func runOnce(_ options: Options) throws -> RunResult {
    var result = RunResult()
    do {
        let daemon = try ServerProcess.daemon(path: options.daemonPath)
        defer { daemon.stop() }
        result.readyMilliseconds = daemon.readySeconds * 1000
        sleep(1)
        result.idleResidentMB = Double(daemon.residentBytes) / 1_048_576
        result.daemon = try measureLoad(daemon, options: options)
    }
    do {
        let anchor = try ServerProcess.anchor(script: options.anchorScript)
        defer { anchor.stop() }
        sleep(1)
        result.anchor = try measureLoad(anchor, options: options)
    }
    return result
}

// MARK: Report

func commandOutput(_ path: String, _ arguments: [String]) -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle.nullDevice
    guard (try? process.run()) != nil else { return "unknown" }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
}

func machineDescription() -> [String] {
    let cpuInfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
    let model = cpuInfo.split(separator: "\n").first { $0.hasPrefix("model name") }?
        .split(separator: ":", maxSplits: 1).last?.trimmingCharacters(in: .whitespaces) ?? "unknown"
    let memory = ProcessInfo.processInfo.physicalMemory / 1_073_741_824
    let swift = commandOutput("/usr/bin/env", ["swift", "--version"]).split(separator: "\n").first.map(String.init) ?? "unknown"
    return [
        "- CPU: \(model), \(ProcessInfo.processInfo.activeProcessorCount) cores",
        "- Memory: \(memory) GiB",
        "- Kernel: \(commandOutput("/usr/bin/uname", ["-sr"]))",
        "- Toolchain: \(swift)",
        "- Anchor interpreter: \(commandOutput("/usr/bin/env", ["python3", "--version"]))",
    ]
}

func report(_ results: [RunResult], options: Options) -> String {
    /// Formats a table row. `met` is nil for a figure that has no target, and `anchor` is nil for a
    /// figure not measured on the anchor. The target and its status apply to the daemon only.
    func row(
        _ name: String, _ values: [Double], anchor: [Double]? = nil, format: String, target: String,
        met: ((Double) -> Bool)?
    ) -> String {
        let value = median(values)
        let all = values.map { String(format: format, $0) }.joined(separator: ", ")
        let status = met.map { $0(value) ? "met" : "**not met**" } ?? "—"
        let anchorMedian = anchor.map { String(format: format, median($0)) } ?? "—"
        let anchorAll = anchor.map { $0.map { String(format: format, $0) }.joined(separator: ", ") } ?? "—"
        return "| \(name) | \(String(format: format, value)) | \(anchorMedian) | \(target) | \(status) | \(all) | \(anchorAll) |"
    }
    let date = ISO8601.string(from: Date()).prefix(10)
    var lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`addigysync-bench --runs \(options.runs) --requests \(options.pipelinedRequests) "
            + "--connections \(options.connections) --seconds \(Int(options.roundTripSeconds))` against a release build) "
            + "on \(date). Each figure is the median of \(options.runs) runs; every run starts a fresh daemon in a "
            + "temporary folder, measures it, stops it, then starts the anchor server and measures it the same way.",
        "",
        "## Machine",
        "",
    ]
    lines += machineDescription()
    lines += [
        "",
        "## RPC and memory",
        "",
        "The anchor is `scripts/anchor-jsonrpc-server.py`, a minimal JSON-RPC server on Python's asyncio "
            + "(`asyncio.start_unix_server`, one thread) on the same kind of socket and with the same framing. It parses "
            + "each request line and replies to `server.info` with a fixed result and the request's id. It checks no "
            + "access key, has no sessions, limits, logging or handlers, and does no other work, so it shows what a plain "
            + "line-and-JSON server costs on this machine, not what a full daemon should cost. It is started with "
            + "`python3` from PATH and measured with the same load generator right after the daemon in each run.",
        "",
        "| figure | median | anchor median | target | status | runs | anchor runs |",
        "|---|---|---|---|---|---|---|",
        row("`server.info` pipelined on one connection (requests/s)", results.map(\.daemon.pipelinedPerSecond),
            anchor: results.map(\.anchor.pipelinedPerSecond), format: "%.0f", target: "≥ 50,000", met: { $0 >= 50_000 }),
        row("`server.info` round trips over \(options.connections) connections (requests/s)",
            results.map(\.daemon.roundTripsPerSecond), anchor: results.map(\.anchor.roundTripsPerSecond),
            format: "%.0f", target: "≥ 20,000", met: { $0 >= 20_000 }),
        row("round-trip latency p50 (ms)", results.map(\.daemon.p50Milliseconds),
            anchor: results.map(\.anchor.p50Milliseconds), format: "%.3f", target: "—", met: nil),
        row("round-trip latency p99 (ms)", results.map(\.daemon.p99Milliseconds),
            anchor: results.map(\.anchor.p99Milliseconds), format: "%.3f", target: "≤ 5", met: { $0 <= 5 }),
        row("idle resident memory (MiB)", results.map(\.idleResidentMB), format: "%.1f", target: "≤ 40 MB (38.1 MiB)",
            met: { $0 <= 40_000_000 / 1_048_576 }),
        row("peak resident memory under round-trip load (MiB)", results.map(\.daemon.loadResidentMB),
            anchor: results.map(\.anchor.loadResidentMB), format: "%.1f", target: "—", met: nil),
        row("start to socket ready, first start (ms)", results.map(\.readyMilliseconds), format: "%.0f",
            target: "≤ 300", met: { $0 <= 300 }),
        "",
        "## Is the load generator the limit?",
        "",
        "The generator and the server under load share the machine's cores. During the two load phases the daemon "
            + "used a median "
            + String(format: "%.1f", median(results.map(\.daemon.serverCPUSeconds)))
            + " CPU seconds and the generator "
            + String(format: "%.1f", median(results.map(\.daemon.generatorCPUSeconds)))
            + ". Against the anchor, the anchor used a median "
            + String(format: "%.1f", median(results.map(\.anchor.serverCPUSeconds)))
            + " and the generator "
            + String(format: "%.1f", median(results.map(\.anchor.generatorCPUSeconds)))
            + " (user plus system, from /proc and getrusage). The generator parses no JSON and counts reply lines, "
            + "so most of its time is system calls; when its share is close to the server's, the round-trip "
            + "figures understate what the server alone could serve. The anchor runs on one thread, so it can use "
            + "at most one core.",
        "",
    ]
    return lines.joined(separator: "\n")
}

let options = Options.parse(Array(CommandLine.arguments.dropFirst()))
signal(SIGPIPE, SIG_IGN)
var results: [RunResult] = []
for run in 1...options.runs {
    do {
        let result = try runOnce(options)
        results.append(result)
        FileHandle.standardError.write(Data(String(
            format: "run %d: pipelined %.0f/s, round trips %.0f/s, p99 %.3f ms, idle %.1f MiB, ready %.0f ms; "
                + "anchor: pipelined %.0f/s, round trips %.0f/s, p99 %.3f ms\n",
            run, result.daemon.pipelinedPerSecond, result.daemon.roundTripsPerSecond, result.daemon.p99Milliseconds,
            result.idleResidentMB, result.readyMilliseconds, result.anchor.pipelinedPerSecond,
            result.anchor.roundTripsPerSecond, result.anchor.p99Milliseconds
        ).utf8))
    } catch {
        FileHandle.standardError.write(Data("addigysync-bench: run \(run) failed: \(error)\n".utf8))
        exit(1)
    }
}
let page = report(results, options: options)
do {
    try page.write(toFile: options.output, atomically: true, encoding: .utf8)
} catch {
    FileHandle.standardError.write(Data("addigysync-bench: cannot write \(options.output): \(error)\n".utf8))
    exit(1)
}
print(page)
