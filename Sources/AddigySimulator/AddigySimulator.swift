import Foundation
import JSONCore
import Synchronization

/// A stand-in for Addigy's V2 HTTP API on 127.0.0.1, for tests and demos.
///
/// `start()` binds 127.0.0.1 only (never another address) and serves until `stop()`. Every
/// request passes these steps in order: the `x-api-key` check (401), the rate limit (429),
/// revocation after N requests (401), the injected error rate (500), routing, and truncation
/// of 200 responses. Added latency applies to every response. All methods are thread-safe.
public final class AddigySimulator: Sendable {
    public static let basePath = "/api/v2"

    private let configuration: SimulatorConfiguration
    private let clock: any SimulatorClock
    private let server = HTTPServer()
    private let log: RequestLog
    private let content: Mutex<Content>
    private let state: Mutex<State>

    /// The fleet being served, swapped whole by `replaceFleet(_:)`.
    private struct Content: Sendable {
        var fleet: Fleet
        var devices: DeviceIndex
    }

    private struct TokenState {
        var token: SimulatorToken
        var requestCount = 0
        var isRevoked = false
    }

    private struct State {
        var tokens: [String: TokenState]
        var rateLimiter: RateLimiter
        var faults: FaultSettings
        var random: SeededGenerator
        var port: Int?
    }

    /// The simulator's decision about a request before routing it.
    private enum Admission {
        case rejected(HTTPResponse, fault: String?)
        case admitted(SimulatorToken, truncate: TruncationMode?)
    }

    public init(configuration: SimulatorConfiguration = SimulatorConfiguration(), clock: any SimulatorClock = SystemClock()) {
        self.configuration = configuration
        self.clock = clock
        self.log = RequestLog(capacity: configuration.requestLogCapacity)
        self.content = Mutex(Content(fleet: configuration.fleet, devices: DeviceIndex(devices: configuration.fleet.devices)))
        var tokens: [String: TokenState] = [:]
        for token in configuration.tokens {
            tokens[token.value] = TokenState(token: token)
        }
        self.state = Mutex(State(
            tokens: tokens,
            rateLimiter: RateLimiter(settings: configuration.rateLimit),
            faults: configuration.faults,
            random: SeededGenerator(seed: configuration.seed),
            port: nil
        ))
    }

    /// Binds 127.0.0.1 on the configured port (0 picks a free one), starts serving, and
    /// returns the port. Throws `SimulatorError` when binding fails or it was already started.
    @discardableResult
    public func start() throws -> Int {
        let port = try server.start(
            port: configuration.port,
            handler: { [self] request in handle(request) },
            onFramingError: { [self] error in record(framingError: error) }
        )
        state.withLock { $0.port = port }
        return port
    }

    /// Stops accepting, closes open connections and waits briefly for them to finish.
    public func stop() {
        server.stop()
    }

    /// The port being served, or nil before `start()`.
    public var port: Int? {
        state.withLock { $0.port }
    }

    /// The API base URL, like `http://127.0.0.1:PORT/api/v2`; the port is 0 before `start()`.
    public var baseURL: String {
        "http://127.0.0.1:\(port ?? 0)\(AddigySimulator.basePath)"
    }

    public var organizationId: String { content.withLock { $0.fleet.organizationId } }

    /// The fleet being served now.
    public var fleet: Fleet { content.withLock { $0.fleet } }

    /// Serves `fleet` from the next request on, as if devices had enrolled, moved or left in
    /// Addigy meanwhile. A request already running finishes with the old fleet.
    public func replaceFleet(_ fleet: Fleet) {
        let devices = DeviceIndex(devices: fleet.devices)
        content.withLock { $0 = Content(fleet: fleet, devices: devices) }
    }

    /// Every request served so far, oldest first, up to `requestLogCapacity` entries.
    public var requestLog: [SimulatorRequest] { log.snapshot }

    public func clearRequestLog() {
        log.removeAll()
    }

    /// Revokes `token`, so every later request with it gets 401. Unknown tokens are ignored.
    public func revoke(token: String) {
        state.withLock { $0.tokens[token]?.isRevoked = true }
    }

    /// The faults in effect now.
    public var faults: FaultSettings {
        state.withLock { $0.faults }
    }

    /// Replaces the faults for all later requests.
    public func updateFaults(_ faults: FaultSettings) {
        state.withLock { $0.faults = faults }
    }

    // MARK: - Request pipeline

    private func handle(_ request: HTTPRequest) -> HTTPResponse {
        let apiKey = request.header("x-api-key")
        var entry = SimulatorRequest(
            time: clock.now(), method: request.method, path: request.path,
            tokenFingerprint: apiKey.map(SimulatorToken.fingerprint(of:)), statusCode: 0
        )

        var response: HTTPResponse
        switch admit(request, apiKey: apiKey, now: entry.time) {
        case .rejected(let rejection, let fault):
            response = rejection
            entry.fault = fault
        case .admitted(let token, let truncation):
            let served = content.withLock { $0 }
            var context = RouteContext(
                token: token, organizationId: served.fleet.organizationId, devices: served.devices,
                policies: served.fleet.policies
            )
            response = Router.respond(to: request, context: &context)
            entry.page = context.page
            entry.perPage = context.perPage
            if let truncation, response.status == 200 {
                response = truncate(response, mode: truncation)
                entry.fault = "truncated"
            }
        }

        let latency = state.withLock { $0.faults.latency }
        if latency > .zero {
            Thread.sleep(forTimeInterval: latency.timeInterval)
        }
        entry.statusCode = response.status
        log.append(entry)
        configuration.onRequest?(entry)
        return response
    }

    /// Logs a request that could not be framed, with "-" for a method or path that was unreadable.
    private func record(framingError error: HTTPFramingError) {
        let entry = SimulatorRequest(
            time: clock.now(), method: error.method ?? "-", path: error.path ?? "-",
            tokenFingerprint: nil, statusCode: error.status
        )
        log.append(entry)
        configuration.onRequest?(entry)
    }

    private func admit(_ request: HTTPRequest, apiKey: String?, now: Date) -> Admission {
        let path = request.path
        guard path == AddigySimulator.basePath || path.hasPrefix(AddigySimulator.basePath + "/") else {
            return .rejected(.error(404, "No route for \(request.method) \(path); the API base path is \(AddigySimulator.basePath)."), fault: nil)
        }
        guard let apiKey else {
            let message = request.header("authorization") == nil
                ? "Missing x-api-key header. Send the API token in the x-api-key header."
                : "Missing x-api-key header. Authorization headers are not accepted; send the API token in the x-api-key header."
            return .rejected(.error(401, message), fault: nil)
        }

        return state.withLock { state -> Admission in
            guard let tokenState = state.tokens[apiKey] else {
                return .rejected(.error(401, "Invalid API token. Check the x-api-key value or create a new token."), fault: nil)
            }
            guard !tokenState.isRevoked else {
                return .rejected(.error(401, "The API token has been revoked. Create a new token."), fault: nil)
            }
            guard state.rateLimiter.admit(token: apiKey, now: now) else {
                let message = "Rate limit exceeded: more than \(state.rateLimiter.settings.limit) requests within "
                    + "\(state.rateLimiter.settings.window). The token is locked for \(state.rateLimiter.settings.lockout)."
                return .rejected(.error(429, message), fault: "rate-limited")
            }

            state.tokens[apiKey]?.requestCount += 1
            if let limit = state.faults.revokeAfterRequests, tokenState.requestCount + 1 > limit {
                state.tokens[apiKey]?.isRevoked = true
                return .rejected(.error(401, "The API token has been revoked. Create a new token."), fault: "revoked")
            }
            if state.faults.errorRate > 0 && state.random.nextFraction() < state.faults.errorRate {
                return .rejected(.error(500, "Injected fault: internal server error."), fault: "error")
            }
            var truncation: TruncationMode?
            if state.faults.truncateRate > 0 && state.random.nextFraction() < state.faults.truncateRate {
                truncation = state.faults.truncationMode
            }
            return .admitted(tokenState.token, truncate: truncation)
        }
    }

    private func truncate(_ response: HTTPResponse, mode: TruncationMode) -> HTTPResponse {
        let half = response.body.count / 2
        switch mode {
        case .shortBody:
            return HTTPResponse(status: response.status, body: Array(response.body.prefix(half)))
        case .closeConnection:
            return HTTPResponse(status: response.status, body: response.body, bytesSentBeforeClose: half)
        }
    }
}
