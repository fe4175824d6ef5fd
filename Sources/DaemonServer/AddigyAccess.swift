import AddigyClient
import DaemonLog
import Foundation
import InventoryStore

/// The parts the daemon needs to talk to Addigy: the token vault, one HTTP transport, the per-token
/// rate limiters shared by every request of the process, the clock and the retry policy.
public struct AddigyAccess: Sendable {
    public let vault: TokenVault
    public let transport: any HTTPTransport
    public let limiters: RateLimiterRegistry
    public let clock: any AddigyClock
    public let retry: RetryPolicy

    public init(
        vault: TokenVault,
        transport: any HTTPTransport = LazyURLSessionTransport(),
        limiters: RateLimiterRegistry,
        clock: any AddigyClock = RealTimeClock(),
        retry: RetryPolicy = RetryPolicy()
    ) {
        self.vault = vault
        self.transport = transport
        self.limiters = limiters
        self.clock = clock
        self.retry = retry
    }

    public func client(baseURL: URL, token: APIToken, logger: Logger) -> AddigyClient {
        AddigyClient(
            baseURL: baseURL,
            token: token,
            transport: transport,
            limiter: limiters.limiter(for: token),
            clock: clock,
            retry: retry,
            logger: logger
        )
    }
}
