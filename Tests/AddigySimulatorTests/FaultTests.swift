import AddigySimulator
import JSONCore
import Testing

@Suite struct FaultTests {
    @Test func fullErrorRateGives500() async throws {
        let (simulator, port) = try Fixtures.startSimulator(faults: FaultSettings(errorRate: 1))
        defer { simulator.stop() }

        let response = try await send("POST", "/api/v2/devices", port: port, body: "{}")

        #expect(response.status == 500)
        #expect(response.json?["code"] == 500)
    }

    @Test func partialErrorRateRepeats() async throws {
        func statuses() async throws -> [Int] {
            let (simulator, port) = try Fixtures.startSimulator(faults: FaultSettings(errorRate: 0.5))
            defer { simulator.stop() }
            return try await blocking {
                let connection = try TestConnection(port: port)
                return try (0..<40).map { _ in try connection.request("GET", "/api/v2/configuration/permissions").status }
            }
        }

        let first = try await statuses()
        let second = try await statuses()

        #expect(first.contains(500))
        #expect(first.contains(200))
        #expect(first == second)
    }

    @Test func shortBodyTruncation() async throws {
        let (simulator, port) = try Fixtures.startSimulator(faults: FaultSettings(truncateRate: 1, truncationMode: .shortBody))
        defer { simulator.stop() }

        let (response, reused) = try await blocking { () -> (TestResponse, Int) in
            let connection = try TestConnection(port: port)
            let response = try connection.request("POST", "/api/v2/devices", body: "{}")
            let second = try connection.request("POST", "/api/v2/devices", body: "{}")
            return (response, second.status)
        }

        #expect(response.status == 200)
        #expect(response.headers["content-length"] == String(response.body.count))
        #expect(response.body.count > 100)
        #expect(response.json == nil)
        #expect(reused == 200)
        #expect(simulator.requestLog.first?.fault == "truncated")
    }

    @Test func closeConnectionTruncation() async throws {
        let (simulator, port) = try Fixtures.startSimulator(faults: FaultSettings(truncateRate: 1, truncationMode: .closeConnection))
        defer { simulator.stop() }

        let outcome = try await blocking { () -> String in
            let connection = try TestConnection(port: port)
            do {
                _ = try connection.request("POST", "/api/v2/devices", body: "{}")
                return "complete response"
            } catch let error as ClientError {
                return error.description
            }
        }

        #expect(outcome.hasPrefix("connection closed after"))
    }

    @Test func errorResponsesNotTruncated() async throws {
        let (simulator, port) = try Fixtures.startSimulator(faults: FaultSettings(truncateRate: 1))
        defer { simulator.stop() }

        let response = try await send("GET", "/api/v2/no-such-route", port: port)

        #expect(response.status == 404)
        #expect(response.json?["code"] == 404)
    }

    @Test func latencyDelaysResponse() async throws {
        let (simulator, port) = try Fixtures.startSimulator(faults: FaultSettings(latency: .milliseconds(150)))
        defer { simulator.stop() }

        let clock = ContinuousClock()
        let start = clock.now
        let response = try await send("GET", "/api/v2/configuration/permissions", port: port)
        let elapsed = clock.now - start

        #expect(response.status == 200)
        #expect(elapsed >= .milliseconds(150))
    }

    @Test func faultsChangeAtRunTime() async throws {
        let (simulator, port) = try Fixtures.startSimulator()
        defer { simulator.stop() }

        let before = try await send("GET", "/api/v2/configuration/permissions", port: port)
        simulator.updateFaults(FaultSettings(errorRate: 1))
        let during = try await send("GET", "/api/v2/configuration/permissions", port: port)
        simulator.updateFaults(FaultSettings())
        let after = try await send("GET", "/api/v2/configuration/permissions", port: port)

        #expect(before.status == 200)
        #expect(during.status == 500)
        #expect(after.status == 200)
        #expect(simulator.faults == FaultSettings())
    }
}
