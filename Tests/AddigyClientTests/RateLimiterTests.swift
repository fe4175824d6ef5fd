import Testing

@testable import AddigyClient

@Suite struct RateLimiterTests {
    /// Counts, for every request start, how many starts fall in the window that ends with it.
    private func maxInAnyWindow(_ starts: [Double], seconds: Double) -> Int {
        var best = 0
        var first = 0
        for (index, start) in starts.enumerated() {
            while start - starts[first] >= seconds { first += 1 }
            best = max(best, index - first + 1)
        }
        return best
    }

    @Test func neverExceedsEitherWindow() async throws {
        let clock = VirtualClock()
        let limiter = RateLimiter(limits: RateLimits(perSecond: 10, perTenSeconds: 50), clock: clock)
        var starts: [Double] = []
        for _ in 0..<500 {
            try await limiter.acquire()
            starts.append(clock.now())
        }
        #expect(maxInAnyWindow(starts, seconds: 10) == 50)
        #expect(maxInAnyWindow(starts, seconds: 1) <= 10)
        // 500 requests at 50 per 10 s need at least 90 s of simulated time.
        #expect(clock.now() >= 90)
    }

    @Test func defaultsStayFarBelowAddigysLimit() {
        let limits = RateLimits()
        #expect(limits.perSecond == 10)
        #expect(limits.perTenSeconds == 200)
    }

    @Test func settingsAreCappedAtTheCeiling() {
        let limits = RateLimits(perSecond: 1000, perTenSeconds: 5000)
        #expect(limits.perSecond == RateLimits.ceilingPerSecond)
        #expect(limits.perTenSeconds == RateLimits.ceilingPerTenSeconds)
    }

    @Test func registrySharesOneLimiterPerToken() throws {
        let registry = RateLimiterRegistry(clock: VirtualClock())
        let first = try #require(APIToken("token-a"))
        let again = try #require(APIToken(" token-a "))
        let other = try #require(APIToken("token-b"))
        #expect(registry.limiter(for: first) === registry.limiter(for: again))
        #expect(registry.limiter(for: first) !== registry.limiter(for: other))
    }
}
