import AddigySimulator
import JSONCore
import Testing

@Suite struct RateLimitTests {
    static let settings = RateLimitSettings(limit: 5, window: .seconds(10), lockout: .seconds(24 * 60 * 60))

    /// Sends `count` requests on one connection and returns their responses.
    static func burst(_ count: Int, port: Int, apiKey: String = Fixtures.token) async throws -> [TestResponse] {
        try await blocking {
            let connection = try TestConnection(port: port)
            return try (0..<count).map { _ in try connection.request("GET", "/api/v2/configuration/permissions", apiKey: apiKey) }
        }
    }

    @Test func limitExceededLocksToken() async throws {
        let clock = ManualClock()
        let (simulator, port) = try Fixtures.startSimulator(rateLimit: Self.settings, clock: clock)
        defer { simulator.stop() }

        let responses = try await Self.burst(7, port: port)
        let locked = responses[5]

        #expect(responses.map(\.status) == [200, 200, 200, 200, 200, 429, 429])
        #expect(locked.json?["code"] == 429)
        #expect(locked.headers["retry-after"] == nil)
        #expect(simulator.requestLog.last?.fault == "rate-limited")
    }

    @Test func lockoutLastsItsPeriod() async throws {
        let clock = ManualClock()
        let (simulator, port) = try Fixtures.startSimulator(rateLimit: Self.settings, clock: clock)
        defer { simulator.stop() }

        _ = try await Self.burst(6, port: port)
        clock.advance(by: .seconds(24 * 60 * 60 - 1))
        let stillLocked = try await Self.burst(1, port: port)
        clock.advance(by: .seconds(2))
        let unlocked = try await Self.burst(1, port: port)

        #expect(stillLocked[0].status == 429)
        #expect(unlocked[0].status == 200)
    }

    @Test func windowSlides() async throws {
        let clock = ManualClock()
        let (simulator, port) = try Fixtures.startSimulator(rateLimit: Self.settings, clock: clock)
        defer { simulator.stop() }

        let first = try await Self.burst(5, port: port)
        clock.advance(by: .seconds(10))
        let second = try await Self.burst(5, port: port)

        #expect(first.allSatisfy { $0.status == 200 })
        #expect(second.allSatisfy { $0.status == 200 })
    }

    @Test func lockoutIsPerToken() async throws {
        let clock = ManualClock()
        let tokens = [SimulatorToken(Fixtures.token), SimulatorToken("second-token")]
        let (simulator, port) = try Fixtures.startSimulator(tokens: tokens, rateLimit: Self.settings, clock: clock)
        defer { simulator.stop() }

        _ = try await Self.burst(6, port: port)
        let other = try await Self.burst(1, port: port, apiKey: "second-token")

        #expect(other[0].status == 200)
    }

    @Test func defaultLimitIs1000Per10Seconds() {
        let settings = RateLimitSettings()

        #expect(settings.limit == 1_000)
        #expect(settings.window == .seconds(10))
        #expect(settings.lockout == .seconds(86_400))
    }
}
