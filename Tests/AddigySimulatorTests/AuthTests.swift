import AddigySimulator
import JSONCore
import Testing

@Suite struct AuthTests {
    @Test func missingKeyIs401() async throws {
        let (simulator, port) = try Fixtures.startSimulator()
        defer { simulator.stop() }

        let response = try await send("GET", "/api/v2/configuration/permissions", port: port, apiKey: nil)

        #expect(response.status == 401)
        #expect(response.json?["code"] == 401)
        #expect(response.json?["message"]?.stringValue?.isEmpty == false)
        #expect(response.json?["error_chain"] == [:])
    }

    @Test func wrongKeyIs401() async throws {
        let (simulator, port) = try Fixtures.startSimulator()
        defer { simulator.stop() }

        let response = try await send("POST", "/api/v2/devices", port: port, apiKey: "not-a-token", body: "{}")

        #expect(response.status == 401)
        #expect(response.json?["code"] == 401)
    }

    @Test func bearerOnlyIs401() async throws {
        let (simulator, port) = try Fixtures.startSimulator()
        defer { simulator.stop() }

        let response = try await blocking {
            let connection = try TestConnection(port: port)
            try connection.send("POST", "/api/v2/devices", apiKey: nil, body: "{}", headers: ["Authorization": "Bearer \(Fixtures.token)"])
            return try connection.readResponse()
        }

        #expect(response.status == 401)
        #expect(response.json?["message"]?.stringValue?.contains("x-api-key") == true)
    }

    @Test func revokedTokenIs401() async throws {
        let (simulator, port) = try Fixtures.startSimulator()
        defer { simulator.stop() }

        let before = try await send("GET", "/api/v2/configuration/whoami", port: port)
        simulator.revoke(token: Fixtures.token)
        let after = try await send("GET", "/api/v2/configuration/whoami", port: port)

        #expect(before.status == 200)
        #expect(after.status == 401)
    }

    @Test func revokedAfterThreeRequests() async throws {
        let (simulator, port) = try Fixtures.startSimulator(faults: FaultSettings(revokeAfterRequests: 3))
        defer { simulator.stop() }

        var statuses: [Int] = []
        for _ in 0..<5 {
            statuses.append(try await send("GET", "/api/v2/configuration/permissions", port: port).status)
        }

        #expect(statuses == [200, 200, 200, 401, 401])
        #expect(simulator.requestLog[3].fault == "revoked")
    }

    @Test func missingViewDevicesIs403() async throws {
        let limited = SimulatorToken("limited", permissions: ["View Policies"])
        let (simulator, port) = try Fixtures.startSimulator(tokens: [limited])
        defer { simulator.stop() }
        let organization = simulator.organizationId
        let agentId = try #require(Fixtures.smallFleet.devices[0]["agentid"]?.stringValue)

        let devices = try await send("POST", "/api/v2/devices", port: port, apiKey: "limited", body: "{}")
        let orgDevices = try await send("POST", "/api/v2/o/\(organization)/devices", port: port, apiKey: "limited", body: "{}")
        let assignments = try await send("GET", "/api/v2/o/\(organization)/devices/\(agentId)/policy-assignments", port: port, apiKey: "limited")
        let policies = try await send("POST", "/api/v2/oa/policies/query", port: port, apiKey: "limited", body: "{}")

        #expect(devices.status == 403)
        #expect(devices.json?["code"] == 403)
        #expect(orgDevices.status == 403)
        #expect(assignments.status == 403)
        #expect(policies.status == 200)
    }

    @Test func permissionsListsTokenPermissions() async throws {
        let limited = SimulatorToken("limited", permissions: ["View Policies"])
        let (simulator, port) = try Fixtures.startSimulator(tokens: [limited])
        defer { simulator.stop() }

        let response = try await send("GET", "/api/v2/configuration/permissions", port: port, apiKey: "limited")

        #expect(response.status == 200)
        #expect(response.json == ["View Policies"])
    }
}
