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
// The load generator parses no JSON (it counts reply lines) and drives all round-trip
// connections from one thread. Its own CPU time is reported beside the daemon's, so a reader
// can tell whether the generator or the daemon was the limit.

struct Options {
    var daemonPath = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        .deletingLastPathComponent().appendingPathComponent("addigysyncd").path
    var output = "docs/benchmarks.md"
    var runs = 3
    var pipelinedRequests = 200_000
    var connections = 64
    var roundTripSeconds = 5.0

    static let usage = """
        Usage: addigysync-bench [--daemon PATH] [--output FILE] [--runs N] [--requests N]
                                [--connections N] [--seconds S]

        Starts addigysyncd in a temporary folder N times (default 3) and measures, per run: time to
        socket ready, idle memory, server.info pipelined on one connection (--requests, default
        200000), and server.info round trips over --connections connections (default 64) for
        --seconds (default 5). Writes the medians with the machine and the targets to --output
        (default docs/benchmarks.md).
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
        return options
    }
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("addigysync-bench: \(message)\n".utf8))
    exit(64)
}

let serverInfoRequest = Array(#"{"jsonrpc":"2.0","id":1,"method":"server.info"}"#.utf8) + [0x0A]

// MARK: Daemon process

final class Daemon {
    let directory: TemporaryDirectory
    let process = Process()
    let socketPath: String
    let readySeconds: Double

    init(path: String) throws {
        directory = try TemporaryDirectory()
        socketPath = directory.appending("bench.sock")
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = ["--socket", socketPath, "--state-dir", directory.appending("state"), "--log-level", "warning"]
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
                throw LineClient.Failure(description: "addigysyncd did not become ready")
            }
            usleep(1000)
        }
        readySeconds = monotonicSeconds() - started
    }

    var residentBytes: Int {
        residentMemory(of: process.processIdentifier)
    }

    /// User plus system CPU seconds the daemon used so far.
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

struct RunResult {
    var readyMilliseconds = 0.0
    var idleResidentMB = 0.0
    var loadResidentMB = 0.0
    var pipelinedPerSecond = 0.0
    var roundTripsPerSecond = 0.0
    var p50Milliseconds = 0.0
    var p99Milliseconds = 0.0
    var daemonCPUSeconds = 0.0
    var generatorCPUSeconds = 0.0
}

/// Sends `count` requests on one connection from one thread while another counts replies.
func measurePipelined(_ daemon: Daemon, count: Int) throws -> Double {
    let client = try LineClient(path: daemon.socketPath)
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
        throw LineClient.Failure(description: "the daemon closed the pipelined connection")
    }
    return Double(count) / (monotonicSeconds() - started)
}

/// Keeps one request outstanding on each of `connections` connections for `seconds`,
/// from a single thread that waits with poll(2), and collects the latencies.
///
/// One thread rather than one per connection: 64 client threads on a 2-core machine would
/// spend their time waiting for a core, and that wait would show up as daemon latency.
func measureRoundTrips(_ daemon: Daemon, connections: Int, seconds: Double) throws
    -> (perSecond: Double, latencies: [Double], peakResident: Int)
{
    let clients = try (0..<connections).map { _ in try LineClient(path: daemon.socketPath) }
    let peak = Mutex(0)
    let sampling = Atomic<Bool>(true)
    let pid = daemon.process.processIdentifier
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
                throw LineClient.Failure(description: "the daemon closed connection \(index)")
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

func runOnce(_ options: Options) throws -> RunResult {
    var result = RunResult()
    let daemon = try Daemon(path: options.daemonPath)
    defer { daemon.stop() }
    result.readyMilliseconds = daemon.readySeconds * 1000
    sleep(1)
    result.idleResidentMB = Double(daemon.residentBytes) / 1_048_576

    let daemonCPUBefore = daemon.cpuSeconds
    let generatorCPUBefore = processCPUSeconds()
    result.pipelinedPerSecond = try measurePipelined(daemon, count: options.pipelinedRequests)
    let (perSecond, latencies, peak) = try measureRoundTrips(
        daemon, connections: options.connections, seconds: options.roundTripSeconds
    )
    result.daemonCPUSeconds = daemon.cpuSeconds - daemonCPUBefore
    result.generatorCPUSeconds = processCPUSeconds() - generatorCPUBefore
    result.roundTripsPerSecond = perSecond
    result.p50Milliseconds = percentile(latencies, 0.50) * 1000
    result.p99Milliseconds = percentile(latencies, 0.99) * 1000
    result.loadResidentMB = Double(peak) / 1_048_576
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
    ]
}

func report(_ results: [RunResult], options: Options) -> String {
    /// Formats a table row; `met` is nil for a figure that has no target.
    func row(_ name: String, _ values: [Double], format: String, target: String, met: ((Double) -> Bool)?) -> String {
        let value = median(values)
        let all = values.map { String(format: format, $0) }.joined(separator: ", ")
        let status = met.map { $0(value) ? "met" : "**not met**" } ?? "—"
        return "| \(name) | \(String(format: format, value)) | \(target) | \(status) | \(all) |"
    }
    let date = ISO8601.string(from: Date()).prefix(10)
    var lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`addigysync-bench --runs \(options.runs) --requests \(options.pipelinedRequests) "
            + "--connections \(options.connections) --seconds \(Int(options.roundTripSeconds))` against a release build) "
            + "on \(date). Each figure is the median of \(options.runs) runs; every run starts a fresh daemon in a "
            + "temporary folder.",
        "",
        "## Machine",
        "",
    ]
    lines += machineDescription()
    lines += [
        "",
        "## RPC and memory",
        "",
        "| figure | median | target | status | runs |",
        "|---|---|---|---|---|",
        row("`server.info` pipelined on one connection (requests/s)", results.map(\.pipelinedPerSecond),
            format: "%.0f", target: "≥ 50,000", met: { $0 >= 50_000 }),
        row("`server.info` round trips over \(options.connections) connections (requests/s)",
            results.map(\.roundTripsPerSecond), format: "%.0f", target: "≥ 20,000", met: { $0 >= 20_000 }),
        row("round-trip latency p50 (ms)", results.map(\.p50Milliseconds), format: "%.3f", target: "—", met: nil),
        row("round-trip latency p99 (ms)", results.map(\.p99Milliseconds), format: "%.3f", target: "≤ 5", met: { $0 <= 5 }),
        row("idle resident memory (MiB)", results.map(\.idleResidentMB), format: "%.1f", target: "≤ 40 MB (38.1 MiB)",
            met: { $0 <= 40_000_000 / 1_048_576 }),
        row("peak resident memory under round-trip load (MiB)", results.map(\.loadResidentMB), format: "%.1f",
            target: "—", met: nil),
        row("start to socket ready, first start (ms)", results.map(\.readyMilliseconds), format: "%.0f",
            target: "≤ 300", met: { $0 <= 300 }),
        "",
        "## Is the load generator the limit?",
        "",
        "The generator and the daemon share the machine's cores. During the two load phases the daemon used a median "
            + String(format: "%.1f", median(results.map(\.daemonCPUSeconds)))
            + " CPU seconds and the generator "
            + String(format: "%.1f", median(results.map(\.generatorCPUSeconds)))
            + " (user plus system, from /proc and getrusage). The generator parses no JSON and counts reply lines, "
            + "so most of its time is system calls; when its share is close to the daemon's, the round-trip "
            + "figures understate what the daemon alone could serve.",
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
            format: "run %d: pipelined %.0f/s, round trips %.0f/s, p99 %.3f ms, idle %.1f MiB, ready %.0f ms\n",
            run, result.pipelinedPerSecond, result.roundTripsPerSecond, result.p99Milliseconds,
            result.idleResidentMB, result.readyMilliseconds
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
