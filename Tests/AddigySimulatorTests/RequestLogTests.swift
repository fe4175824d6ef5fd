import AddigySimulator
import Foundation
import JSONCore
import Synchronization
import Testing

@Suite struct RequestLogTests {
    @Test func logRecordsDeviceQuery() async throws {
        let clock = ManualClock()
        let (simulator, port) = try Fixtures.startSimulator(clock: clock)
        defer { simulator.stop() }

        _ = try await send("POST", "/api/v2/devices", port: port, body: #"{"page": 2, "per_page": 250}"#)
        let entry = try #require(simulator.requestLog.last)

        #expect(entry.time == clock.now())
        #expect(entry.method == "POST")
        #expect(entry.path == "/api/v2/devices")
        #expect(entry.statusCode == 200)
        #expect(entry.page == 2)
        #expect(entry.perPage == 100)
        #expect(entry.fault == nil)
    }

    @Test func logHoldsFingerprintNotToken() async throws {
        let (simulator, port) = try Fixtures.startSimulator()
        defer { simulator.stop() }

        _ = try await send("GET", "/api/v2/configuration/whoami", port: port)
        let entry = try #require(simulator.requestLog.last)

        #expect(entry.tokenFingerprint == SimulatorToken.fingerprint(of: Fixtures.token))
        #expect(entry.tokenFingerprint?.count == 8)
        #expect(!entry.jsonValue.description.contains(Fixtures.token))
    }

    @Test func fingerprintIsSHA256Prefix() {
        // SHA-256("abc") starts with ba7816bf (FIPS 180-2, appendix B.1).
        #expect(SimulatorToken.fingerprint(of: "abc") == "ba7816bf")
        // SHA-256 of the empty string starts with e3b0c442.
        #expect(SimulatorToken.fingerprint(of: "") == "e3b0c442")
    }

    @Test func logRecordsRejectedRequests() async throws {
        let (simulator, port) = try Fixtures.startSimulator()
        defer { simulator.stop() }

        _ = try await send("GET", "/api/v2/configuration/whoami", port: port, apiKey: nil)
        let entry = try #require(simulator.requestLog.last)

        #expect(entry.statusCode == 401)
        #expect(entry.tokenFingerprint == nil)
    }

    @Test func observerSeesEveryRequest() async throws {
        let seen = Mutex<[SimulatorRequest]>([])
        let (simulator, port) = try Fixtures.startSimulator(onRequest: { request in seen.withLock { $0.append(request) } })
        defer { simulator.stop() }

        _ = try await send("GET", "/api/v2/configuration/permissions", port: port)
        _ = try await send("GET", "/api/v2/missing", port: port)

        #expect(seen.withLock { $0.map(\.statusCode) } == [200, 404])
        #expect(seen.withLock { $0 } == simulator.requestLog)
    }
}
