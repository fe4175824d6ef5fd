/// An API token the simulator accepts in the `x-api-key` header.
///
/// `permissions` is what `GET /configuration/permissions` returns for the token, and a token
/// whose list lacks "View Devices" gets 403 from the device endpoints.
public struct SimulatorToken: Sendable, Equatable {
    /// The permissions the simulator implements, granted to new tokens by default.
    ///
    /// NOTE: only "View Devices" is named by Addigy's published API description. The other
    /// strings are plausible stand-ins because Addigy's full permission list is not public.
    public static let allPermissions = ["View Devices", "View Policies", "View Facts", "View Alerts"]

    /// The secret sent by clients. It never appears in logs; see `fingerprint`.
    public var value: String
    /// The token's name, returned by `GET /configuration/whoami`.
    public var name: String
    public var permissions: [String]

    public init(_ value: String, name: String = "AddigySync simulator token", permissions: [String] = SimulatorToken.allPermissions) {
        self.value = value
        self.name = name
        self.permissions = permissions
    }

    /// The first 8 hexadecimal digits of the token's SHA-256, safe to log.
    public var fingerprint: String { SimulatorToken.fingerprint(of: value) }

    /// Returns the first 8 hexadecimal digits of the SHA-256 of `token`.
    public static func fingerprint(of token: String) -> String {
        String(TokenDigest.hexDigest(token).prefix(8))
    }
}

/// The cut applied to a truncated response.
public enum TruncationMode: String, Sendable, Equatable, CaseIterable {
    /// The body is cut at its middle and `Content-Length` states the cut length, so the HTTP
    /// framing is valid but the JSON is not. The connection stays open.
    case shortBody = "short-body"
    /// `Content-Length` states the full length, half the body is sent, then the connection is
    /// closed, so the client sees a transport error.
    case closeConnection = "close-connection"
}

/// Faults injected into responses. Change them while running with `AddigySimulator.updateFaults`.
public struct FaultSettings: Sendable, Equatable {
    /// The fraction (0...1) of authenticated requests that get a 500 ErrorResponse, drawn from
    /// a generator seeded with `SimulatorConfiguration.seed`.
    public var errorRate: Double
    /// Time added before every response is sent, measured with the real clock.
    public var latency: Duration
    /// The fraction (0...1) of 200 responses that are truncated.
    public var truncateRate: Double
    public var truncationMode: TruncationMode
    /// When set, each token is revoked after it has made this many authenticated requests, so
    /// request number `revokeAfterRequests + 1` and later get 401.
    public var revokeAfterRequests: Int?

    public init(
        errorRate: Double = 0,
        latency: Duration = .zero,
        truncateRate: Double = 0,
        truncationMode: TruncationMode = .shortBody,
        revokeAfterRequests: Int? = nil
    ) {
        self.errorRate = errorRate
        self.latency = latency
        self.truncateRate = truncateRate
        self.truncationMode = truncationMode
        self.revokeAfterRequests = revokeAfterRequests
    }
}

/// Addigy's documented rate limit: a token that makes more than `limit` requests within any
/// `window` is locked for `lockout`, and every request with it then gets 429 without a
/// `Retry-After` header.
///
/// NOTE: Addigy documents the limit and the 24-hour lockout but not the status code; 429 is what
/// integrators assume.
public struct RateLimitSettings: Sendable, Equatable {
    public var limit: Int
    public var window: Duration
    public var lockout: Duration

    public init(limit: Int = 1_000, window: Duration = .seconds(10), lockout: Duration = .seconds(24 * 60 * 60)) {
        self.limit = limit
        self.window = window
        self.lockout = lockout
    }
}

/// Everything a simulator needs at start: tokens, fleet, faults, rate limit and the seed of
/// the fault generator.
public struct SimulatorConfiguration: Sendable {
    /// The TCP port on 127.0.0.1; 0 lets the system pick a free one.
    public var port: Int
    public var tokens: [SimulatorToken]
    public var fleet: Fleet
    public var faults: FaultSettings
    public var rateLimit: RateLimitSettings
    /// The seed of the generator that decides which requests get injected errors and truncation.
    public var seed: UInt64
    /// The maximum number of entries `AddigySimulator.requestLog` keeps. Older entries are dropped first.
    public var requestLogCapacity: Int
    /// Called on the connection's thread after each request is answered, for example to
    /// write the request log to a file. It must not block for long.
    public var onRequest: (@Sendable (SimulatorRequest) -> Void)?

    public init(
        port: Int = 0,
        tokens: [SimulatorToken] = [SimulatorToken("sim-token")],
        fleet: Fleet = Fleet.generate(seed: 1, deviceCount: 200),
        faults: FaultSettings = FaultSettings(),
        rateLimit: RateLimitSettings = RateLimitSettings(),
        seed: UInt64 = 1,
        requestLogCapacity: Int = 100_000,
        onRequest: (@Sendable (SimulatorRequest) -> Void)? = nil
    ) {
        self.port = port
        self.tokens = tokens
        self.fleet = fleet
        self.faults = faults
        self.rateLimit = rateLimit
        self.seed = seed
        self.requestLogCapacity = requestLogCapacity
        self.onRequest = onRequest
    }
}
