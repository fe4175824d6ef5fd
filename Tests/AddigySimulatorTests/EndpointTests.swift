import AddigySimulator
import JSONCore
import Testing

@Suite struct EndpointTests {
    @Test func permissionsIsBareArray() async throws {
        let (simulator, port) = try Fixtures.startSimulator()
        defer { simulator.stop() }

        let response = try await send("GET", "/api/v2/configuration/permissions", port: port)

        #expect(response.status == 200)
        #expect(response.headers["content-type"] == "application/json")
        #expect(response.json?.arrayValue?.contains("View Devices") == true)
    }

    @Test func whoamiNamesOrganization() async throws {
        let (simulator, port) = try Fixtures.startSimulator(tokens: [SimulatorToken("sim-token", name: "Inventory sync")])
        defer { simulator.stop() }

        let response = try await send("GET", "/api/v2/configuration/whoami", port: port)

        #expect(response.json?["name"] == "Inventory sync")
        #expect(response.json?["organization_id"]?.stringValue == Fixtures.smallFleet.organizationId)
    }

    @Test func policiesAllAsBareArray() async throws {
        let (simulator, port) = try Fixtures.startSimulator()
        defer { simulator.stop() }

        let response = try await send("POST", "/api/v2/oa/policies/query", port: port, body: "{}")

        #expect(response.status == 200)
        #expect(response.json?.arrayValue?.count == Fixtures.smallFleet.policies.count)
        #expect(response.json?["items"] == nil)
    }

    @Test func policiesFilteredByIds() async throws {
        let (simulator, port) = try Fixtures.startSimulator()
        defer { simulator.stop() }
        let wanted = try #require(Fixtures.smallFleet.policies[3]["policyId"]?.stringValue)

        let body: JSONValue = ["policies": [.string(wanted), "00000000-0000-4000-8000-000000000000"]]
        let response = try await send("POST", "/api/v2/oa/policies/query", port: port, body: body.description)

        #expect(response.json?.arrayValue?.count == 1)
        #expect(response.json?[0]?["policyId"]?.stringValue == wanted)
    }

    @Test func unknownRouteIs404() async throws {
        let (simulator, port) = try Fixtures.startSimulator()
        defer { simulator.stop() }

        let response = try await send("POST", "/api/v2/oa/prebuilt-apps/configurations/query", port: port, body: "{}")

        #expect(response.status == 404)
        #expect(response.json?["code"] == 404)
    }

    @Test func wrongMethodIs405() async throws {
        let (simulator, port) = try Fixtures.startSimulator()
        defer { simulator.stop() }

        let response = try await send("GET", "/api/v2/devices", port: port)

        #expect(response.status == 405)
        #expect(response.json?["code"] == 405)
    }

    @Test func invalidJSONIs400() async throws {
        let (simulator, port) = try Fixtures.startSimulator()
        defer { simulator.stop() }

        let response = try await send("POST", "/api/v2/devices", port: port, body: "{\"page\": ")

        #expect(response.status == 400)
        #expect(response.json?["code"] == 400)
    }

    @Test func emptyBodyIs400() async throws {
        let (simulator, port) = try Fixtures.startSimulator()
        defer { simulator.stop() }

        let response = try await send("POST", "/api/v2/oa/policies/query", port: port, body: "")

        #expect(response.status == 400)
    }

    @Test func trailingSlashAccepted() async throws {
        let (simulator, port) = try Fixtures.startSimulator()
        defer { simulator.stop() }

        let response = try await send("POST", "/api/v2/devices/", port: port, body: "{}")

        #expect(response.status == 200)
    }

    @Test func policyAssignmentsListsIds() async throws {
        let (simulator, port) = try Fixtures.startSimulator()
        defer { simulator.stop() }
        let device = Fixtures.smallFleet.devices[0]
        let agentId = try #require(device["agentid"]?.stringValue)

        let response = try await send("GET", "/api/v2/o/\(simulator.organizationId)/devices/\(agentId)/policy-assignments", port: port)

        #expect(response.status == 200)
        #expect(response.json == Fixtures.factValue(device, "policy_ids"))
    }

    @Test func policyAssignmentsUnknownDeviceIs404() async throws {
        let (simulator, port) = try Fixtures.startSimulator()
        defer { simulator.stop() }

        let response = try await send("GET", "/api/v2/o/\(simulator.organizationId)/devices/no-such-agent/policy-assignments", port: port)

        #expect(response.status == 404)
    }

    @Test func factCatalogueListsSerial() async throws {
        let (simulator, port) = try Fixtures.startSimulator()
        defer { simulator.stop() }

        let response = try await send("GET", "/api/v2/o/\(simulator.organizationId)/facts", port: port)
        let serial = response.json?.arrayValue?.first { $0["identifier"] == "serial_number" }

        #expect(response.status == 200)
        #expect(serial?["return_type"] == "string")
    }

    @Test func otherOrganizationIs403() async throws {
        let (simulator, port) = try Fixtures.startSimulator()
        defer { simulator.stop() }

        let response = try await send("POST", "/api/v2/o/11111111-1111-4111-8111-111111111111/devices", port: port, body: "{}")

        #expect(response.status == 403)
    }

    @Test func organizationDevicesMatchPlainPath() async throws {
        let (simulator, port) = try Fixtures.startSimulator()
        defer { simulator.stop() }
        let body = #"{"per_page": 10, "sort_field": "serial_number"}"#

        let plain = try await send("POST", "/api/v2/devices", port: port, body: body)
        let scoped = try await send("POST", "/api/v2/o/\(simulator.organizationId)/devices", port: port, body: body)

        #expect(plain.status == 200)
        #expect(plain.body == scoped.body)
    }
}
