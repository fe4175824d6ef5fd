// addigy-sim: serves a simulated Addigy V2 API on 127.0.0.1 until SIGTERM or SIGINT.
import AddigySimulator
import Foundation
import JSONCore
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

let usage = """
    Usage: addigy-sim [options]

    Serves a simulated Addigy V2 API on 127.0.0.1 until SIGTERM or Ctrl-C. When ready it prints
    "addigy-sim listening on http://127.0.0.1:PORT/api/v2" to stdout. Requests are logged to stderr
    with a token fingerprint (the first 8 hex digits of its SHA-256), never the token.

    Options:
      --port N                 TCP port on 127.0.0.1; 0 picks a free port (default 0)
      --seed N                 seed of the generated fleet and of injected faults (default 1)
      --devices N              number of devices in the generated fleet (default 250)
      --fleet FILE             serve the fleet in this JSON file instead of generating one
      --write-fleet FILE       write the served fleet to this JSON file, then keep serving
      --token TOKEN            accept this API token; repeat for more (default: $ADDIGY_SIM_TOKEN,
                               else a random token printed at start)
      --error-rate F           fraction 0..1 of requests answered with 500 (default 0)
      --latency-ms N           milliseconds added before every response (default 0)
      --truncate-rate F        fraction 0..1 of 200 responses cut in half (default 0)
      --truncate-mode MODE     short-body: Content-Length matches the cut body (default);
                               close-connection: full Content-Length, then the connection closes
      --revoke-after N         revoke each token after N requests, so later ones get 401 (default off)
      --rate-limit N           requests per window before a token is locked (default 1000)
      --rate-window-seconds N  length of the rate-limit window in seconds (default 10)
      --lockout-seconds N      how long a token that exceeded the limit gets 429, in seconds (default 86400)
      --request-log FILE       append every request to FILE as one JSON object per line
      --help                   print this help and exit

    Exit status: 0 after SIGTERM, SIGINT or --help; 64 for invalid options; 66 when the fleet file
    cannot be read; 69 when the port cannot be bound; 73 when an output file cannot be written.
    """

/// A command-line mistake, reported with exit status 64 (EX_USAGE).
struct UsageError: Error {
    var message: String
}

struct Options {
    static let valueFlags: Set<String> = [
        "--port", "--seed", "--devices", "--fleet", "--write-fleet", "--token", "--error-rate", "--latency-ms",
        "--truncate-rate", "--truncate-mode", "--revoke-after", "--rate-limit", "--rate-window-seconds",
        "--lockout-seconds", "--request-log",
    ]

    var port = 0
    var seed: UInt64 = 1
    var deviceCount = 250
    var fleetPath: String?
    var writeFleetPath: String?
    var tokens: [String] = []
    var faults = FaultSettings()
    var rateLimit = RateLimitSettings()
    var requestLogPath: String?
    var showHelp = false

    init(arguments: [String]) throws(UsageError) {
        var remaining = arguments[...]
        while let flag = remaining.popFirst() {
            if flag == "--help" || flag == "-h" {
                showHelp = true
                continue
            }
            guard flag.hasPrefix("-") else {
                throw UsageError(message: "Unexpected argument \"\(flag)\".")
            }
            guard Options.valueFlags.contains(flag) else {
                throw UsageError(message: "Unknown option \(flag).")
            }
            guard let value = remaining.popFirst() else {
                throw UsageError(message: "Option \(flag) needs a value.")
            }
            switch flag {
            case "--port": port = try Options.integer(value, flag, in: 0...65_535)
            case "--seed":
                guard let parsed = UInt64(value) else { throw UsageError(message: "--seed must be a non-negative integer, not \"\(value)\".") }
                seed = parsed
            case "--devices": deviceCount = try Options.integer(value, flag, in: 0...1_000_000)
            case "--fleet": fleetPath = value
            case "--write-fleet": writeFleetPath = value
            case "--token":
                guard !value.isEmpty else { throw UsageError(message: "--token must not be empty.") }
                tokens.append(value)
            case "--error-rate": faults.errorRate = try Options.fraction(value, flag)
            case "--latency-ms": faults.latency = .milliseconds(try Options.integer(value, flag, in: 0...600_000))
            case "--truncate-rate": faults.truncateRate = try Options.fraction(value, flag)
            case "--truncate-mode":
                guard let mode = TruncationMode(rawValue: value) else {
                    throw UsageError(message: "--truncate-mode must be short-body or close-connection, not \"\(value)\".")
                }
                faults.truncationMode = mode
            case "--revoke-after": faults.revokeAfterRequests = try Options.integer(value, flag, in: 0...Int.max)
            case "--rate-limit": rateLimit.limit = try Options.integer(value, flag, in: 1...Int.max)
            case "--rate-window-seconds": rateLimit.window = .seconds(try Options.integer(value, flag, in: 1...86_400))
            case "--lockout-seconds": rateLimit.lockout = .seconds(try Options.integer(value, flag, in: 0...31_536_000))
            case "--request-log": requestLogPath = value
            default: throw UsageError(message: "Unknown option \(flag).")
            }
        }
    }

    private static func integer(_ text: String, _ flag: String, in range: ClosedRange<Int>) throws(UsageError) -> Int {
        guard let value = Int(text), range.contains(value) else {
            throw UsageError(message: "\(flag) must be an integer from \(range.lowerBound) to \(range.upperBound), not \"\(text)\".")
        }
        return value
    }

    private static func fraction(_ text: String, _ flag: String) throws(UsageError) -> Double {
        guard let value = Double(text), (0...1).contains(value) else {
            throw UsageError(message: "\(flag) must be a fraction from 0 to 1, not \"\(text)\".")
        }
        return value
    }
}

/// Writes request log lines to stderr and, when configured, as JSON lines to a file.
final class RequestLogWriter: Sendable {
    private let file: Mutex<FileHandle?>

    init(path: String?) throws(UsageError) {
        guard let path else {
            file = Mutex(nil)
            return
        }
        if !FileManager.default.fileExists(atPath: path) {
            _ = FileManager.default.createFile(atPath: path, contents: nil)
        }
        guard let handle = FileHandle(forWritingAtPath: path) else {
            throw UsageError(message: "Cannot open the request log \(path) for writing; check the folder exists and is writable.")
        }
        handle.seekToEndOfFile()
        file = Mutex(handle)
    }

    func record(_ request: SimulatorRequest) {
        var line = "addigy-sim: \(request.method) \(request.path) status=\(request.statusCode)"
        line += " token=\(request.tokenFingerprint ?? "none")"
        if let page = request.page, let perPage = request.perPage {
            line += " page=\(page) per_page=\(perPage)"
        }
        if let fault = request.fault {
            line += " fault=\(fault)"
        }
        FileHandle.standardError.write(Data((line + "\n").utf8))
        file.withLock { handle in
            handle?.write(Data(JSONWriter.encode(request.jsonValue) + [UInt8(ascii: "\n")]))
        }
    }
}

// Block SIGTERM and SIGINT before any thread starts, so that every thread inherits the mask.
// A signal that arrives during start-up then stays pending until the final sigwait takes it.
var stopSignals = sigset_t()
sigemptyset(&stopSignals)
sigaddset(&stopSignals, SIGTERM)
sigaddset(&stopSignals, SIGINT)
pthread_sigmask(SIG_BLOCK, &stopSignals, nil)

func fail(_ message: String, status: Int32) -> Never {
    FileHandle.standardError.write(Data("addigy-sim: \(message)\n".utf8))
    exit(status)
}

let options: Options
do {
    options = try Options(arguments: Array(CommandLine.arguments.dropFirst()))
} catch {
    fail("\(error.message) Run addigy-sim --help for usage.", status: 64)
}
if options.showHelp {
    print(usage)
    exit(0)
}

let fleet: Fleet
if let path = options.fleetPath {
    do {
        fleet = try Fleet(contentsOf: path)
    } catch {
        fail("\(error)", status: 66)
    }
} else {
    fleet = Fleet.generate(seed: options.seed, deviceCount: options.deviceCount)
}
if let path = options.writeFleetPath {
    do {
        try fleet.write(to: path)
    } catch {
        fail("\(error)", status: 73)
    }
}

var tokenValues = options.tokens
var generatedToken: String?
if tokenValues.isEmpty {
    if let fromEnvironment = ProcessInfo.processInfo.environment["ADDIGY_SIM_TOKEN"], !fromEnvironment.isEmpty {
        tokenValues = [fromEnvironment]
    } else {
        var generator = SystemRandomNumberGenerator()
        let token = (0..<4).map { _ in String(generator.next() as UInt64, radix: 16) }.joined()
        tokenValues = [token]
        generatedToken = token
    }
}

let logWriter: RequestLogWriter
do {
    logWriter = try RequestLogWriter(path: options.requestLogPath)
} catch {
    fail(error.message, status: 73)
}

let configuration = SimulatorConfiguration(
    port: options.port,
    tokens: tokenValues.map { SimulatorToken($0) },
    fleet: fleet,
    faults: options.faults,
    rateLimit: options.rateLimit,
    seed: options.seed,
    onRequest: { logWriter.record($0) }
)
let simulator = AddigySimulator(configuration: configuration)
do {
    try simulator.start()
} catch {
    fail("\(error)", status: 69)
}

FileHandle.standardError.write(Data(
    "addigy-sim: serving organization \(fleet.organizationId) with \(fleet.policies.count) policies and \(fleet.devices.count) devices\n".utf8
))
// FileHandle writes are unbuffered, so a script reading stdout receives each line at once.
if let generatedToken {
    FileHandle.standardOutput.write(Data("addigy-sim token: \(generatedToken)\n".utf8))
}
FileHandle.standardOutput.write(Data("addigy-sim listening on \(simulator.baseURL)\n".utf8))

var receivedSignal: Int32 = 0
sigwait(&stopSignals, &receivedSignal)
FileHandle.standardError.write(Data("addigy-sim: stopping on signal \(receivedSignal)\n".utf8))
simulator.stop()
exit(0)
