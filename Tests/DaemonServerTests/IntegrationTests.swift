import AddigySimulator
import DaemonServer
import Foundation
import InventoryStore
import JSONCore
import TestSupport
import Testing

/// A simulator in this process and a daemon child process pointed at it.
final class IntegrationFixture {
    static let token = "sim-token-0123456789abcdef"
    static let otherToken = "sim-token-fedcba9876543210"

    let simulator: AddigySimulator
    let organizationID: String
    let policyCount: Int
    let daemon: DaemonProcess
    /// Every reply line the fixture's clients read, for the secret scan.
    private(set) var replies: [String] = []

    init(configuration: SimulatorConfiguration? = nil, daemonArguments: [String] = []) async throws {
        var simulatorConfiguration = configuration ?? SimulatorConfiguration(
            tokens: [SimulatorToken(Self.token), SimulatorToken(Self.otherToken, name: "Second token")],
            fleet: Fleet.generate(seed: 7, deviceCount: 50)
        )
        simulatorConfiguration.port = 0
        organizationID = simulatorConfiguration.fleet.organizationId
        policyCount = simulatorConfiguration.fleet.policies.count
        simulator = AddigySimulator(configuration: simulatorConfiguration)
        _ = try simulator.start()
        daemon = try await DaemonProcess.started(arguments: daemonArguments)
    }

    deinit {
        simulator.stop()
    }

    var baseURL: JSONValue { .string(simulator.baseURL) }

    func call(_ client: LineClient, _ method: String, _ params: JSONValue) async throws -> JSONValue {
        let reply = try await client.call(method, params, timeout: 30)
        replies.append(reply.description)
        return reply
    }

    func create(_ client: LineClient, token: String = IntegrationFixture.token) async throws -> String {
        let reply = try await call(client, "integration.create", ["apiToken": .string(token), "baseUrl": baseURL])
        return try #require(reply["result"]?["integrationId"]?.stringValue, "create failed: \(reply)")
    }
}

@Suite struct IntegrationTests {
    @Test func wrongTokenFailsTestWithAdvice() async throws {
        let fixture = try await IntegrationFixture()
        let client = try await fixture.daemon.authenticatedClient()
        let reply = try await fixture.call(client, "integration.testConnection",
                                           ["apiToken": "not-the-token", "baseUrl": fixture.baseURL])
        let result = try #require(reply["result"])
        #expect(result["ok"] == false)
        #expect(result["reason"] == "invalid_token")
        #expect(result["message"]?.stringValue?.contains("API & Webhooks > V2") == true)
        try await fixture.daemon.stop()
    }

    @Test func rightTokenWithSpacesPasses() async throws {
        let fixture = try await IntegrationFixture()
        let client = try await fixture.daemon.authenticatedClient()
        let reply = try await fixture.call(client, "integration.testConnection",
                                           ["apiToken": .string("  \(IntegrationFixture.token)\n "), "baseUrl": fixture.baseURL])
        let result = try #require(reply["result"])
        #expect(result["ok"] == true)
        #expect(result["organizationId"] == .string(fixture.organizationID))
        #expect((result["permissions"]?.arrayValue?.count ?? 0) > 0)
        try await fixture.daemon.stop()
    }

    @Test func createWithWrongTokenCreatesNothing() async throws {
        let fixture = try await IntegrationFixture()
        let client = try await fixture.daemon.authenticatedClient()
        let reply = try await fixture.call(client, "integration.create", ["apiToken": "wrong", "baseUrl": fixture.baseURL])
        #expect(reply["error"]?["code"] == 5020)
        #expect(reply["error"]?["data"]?["reason"] == "invalid_token")
        #expect(try await fixture.call(client, "integration.list", [:])["result"]?["items"] == [])
        try await fixture.daemon.stop()
    }

    @Test func insecureBaseURLIsRejected() async throws {
        let fixture = try await IntegrationFixture()
        let client = try await fixture.daemon.authenticatedClient()
        let reply = try await fixture.call(client, "integration.testConnection",
                                           ["apiToken": "x", "baseUrl": "http://api.example.com/api/v2"])
        #expect(reply["error"]?["data"]?["field"] == "baseUrl")
        try await fixture.daemon.stop()
    }

    @Test func lifecycleNeverRevealsToken() async throws {
        let fixture = try await IntegrationFixture()
        let client = try await fixture.daemon.authenticatedClient()
        let id = try await connectedIntegration(fixture, client)

        let fetched = try await fixture.call(client, "integration.get", ["integrationId": .string(id)])
        #expect(fetched["result"]?["status"] == "connected")
        #expect(fetched["result"]?["organizationId"] == .string(fixture.organizationID))
        let listed = try await fixture.call(client, "integration.list", [:])
        #expect(listed["result"]?["items"]?.arrayValue?.count == 1)
        let tested = try await fixture.call(client, "integration.testConnection", ["integrationId": .string(id)])
        #expect(tested["result"]?["ok"] == true)
        let updated = try await fixture.call(client, "integration.updateCredentials",
                                             ["integrationId": .string(id), "apiToken": .string(IntegrationFixture.otherToken)])
        #expect(updated["result"]?["status"] == "connected")
        let retested = try await fixture.call(client, "integration.testConnection", ["integrationId": .string(id)])
        #expect(retested["result"]?["ok"] == true)
        let resync = try await fixture.call(client, "integration.resync", ["integrationId": .string(id)])
        #expect(resync["result"]?["started"] == true)
        let policies = try await fixture.call(client, "policies.list", ["integrationId": .string(id)])
        #expect(policies["result"] != nil)
        try await fixture.daemon.stop()

        let secrets = [IntegrationFixture.token, IntegrationFixture.otherToken]
        let state = fixture.daemon.stateDirectory
        for file in ["addigysync.db", "addigysync.db-wal", "addigysync.db-shm"] {
            guard let data = FileManager.default.contents(atPath: state + "/" + file) else { continue }
            for secret in secrets {
                #expect(data.range(of: Data(secret.utf8)) == nil, "\(file) contains a token")
            }
        }
        for secret in secrets {
            #expect(!fixture.daemon.log.contains(secret), "the daemon log contains a token")
            #expect(!fixture.replies.contains { $0.contains(secret) }, "a reply contains a token")
        }
    }

    @Test func sealedTokenMovedToAnotherRowFailsToOpen() async throws {
        let fixture = try await IntegrationFixture()
        let client = try await fixture.daemon.authenticatedClient()
        let first = try await fixture.create(client)
        let second = try await fixture.create(client, token: IntegrationFixture.otherToken)
        try await fixture.daemon.stop()

        let database = try SQLiteConnection(path: fixture.daemon.stateDirectory + "/addigysync.db")
        try database.execute(
            "UPDATE integrations SET token_sealed = (SELECT token_sealed FROM integrations WHERE id = ?) WHERE id = ?",
            [.text(first), .text(second)]
        )
        database.close()

        let restarted = try await DaemonProcess.started(directory: fixture.daemon.directory)
        let again = try await restarted.authenticatedClient()
        let moved = try await again.call("integration.testConnection", ["integrationId": .string(second)])
        #expect(moved["error"]?["code"] == 4012)
        #expect(moved["error"]?["data"]?["reason"] == "token_unreadable")
        let untouched = try await again.call("integration.testConnection", ["integrationId": .string(first)], timeout: 30)
        #expect(untouched["result"]?["ok"] == true)
        try await restarted.stop()
    }

    @Test func revokedTokenMarksIntegrationAuthFailed() async throws {
        let fixture = try await IntegrationFixture()
        let client = try await fixture.daemon.authenticatedClient()
        let id = try await fixture.create(client)
        fixture.simulator.revoke(token: IntegrationFixture.token)

        let tested = try await fixture.call(client, "integration.testConnection", ["integrationId": .string(id)])
        #expect(tested["result"]?["ok"] == false)
        #expect(tested["result"]?["reason"] == "invalid_token")
        let fetched = try await fixture.call(client, "integration.get", ["integrationId": .string(id)])
        #expect(fetched["result"]?["status"] == "auth_failed")
        #expect(fetched["result"]?["lastError"]?["reason"] == "invalid_token")
        try await fixture.daemon.stop()
    }

    @Test func rateLimitedTestSaysKeyMayBeLocked() async throws {
        let configuration = SimulatorConfiguration(
            tokens: [SimulatorToken(IntegrationFixture.token)],
            fleet: Fleet.generate(seed: 3, deviceCount: 10),
            rateLimit: RateLimitSettings(limit: 1)
        )
        let fixture = try await IntegrationFixture(configuration: configuration)
        let client = try await fixture.daemon.authenticatedClient()
        let first = try await fixture.call(client, "integration.testConnection",
                                           ["apiToken": .string(IntegrationFixture.token), "baseUrl": fixture.baseURL])
        #expect(first["result"]?["ok"] == false)
        #expect(first["result"]?["reason"] == "rate_limited")
        #expect(first["result"]?["message"]?.stringValue?.contains("24 hours") == true)
        let requests = fixture.simulator.requestLog
        #expect(requests.filter { $0.statusCode == 429 }.count == 1, "a 429 must not be retried")
        try await fixture.daemon.stop()
    }

    @Test func otherTenantSeesNothing() async throws {
        let fixture = try await IntegrationFixture()
        let owner = try await fixture.daemon.authenticatedClient()
        let id = try await fixture.create(owner)
        let created = try await owner.call("tenants.create", ["name": "Other MSP"])
        let otherKey = try #require(created["result"]?["accessKey"]?.stringValue)
        let other = try await fixture.daemon.authenticatedClient(key: otherKey)

        let calls: [(String, JSONValue)] = [
            ("integration.get", ["integrationId": .string(id)]),
            ("integration.testConnection", ["integrationId": .string(id)]),
            ("integration.updateCredentials", ["integrationId": .string(id), "apiToken": .string(IntegrationFixture.token)]),
            ("integration.resync", ["integrationId": .string(id)]),
            ("integration.delete", ["integrationId": .string(id), "confirm": true]),
        ]
        for (method, params) in calls {
            let reply = try await other.call(method, params, timeout: 30)
            #expect(reply["error"]?["code"] == 4004, "\(method): \(reply)")
        }
        #expect(try await other.call("integration.list", [:])["result"]?["items"] == [])
        #expect(try await owner.call("integration.get", ["integrationId": .string(id)])["result"] != nil)
        try await fixture.daemon.stop()
    }

    @Test func deleteRequiresConfirmation() async throws {
        let fixture = try await IntegrationFixture()
        let client = try await fixture.daemon.authenticatedClient()
        let id = try await fixture.create(client)
        let unconfirmed = try await client.call("integration.delete", ["integrationId": .string(id)])
        #expect(unconfirmed["error"]?["data"]?["field"] == "confirm")
        let deleted = try await client.call("integration.delete", ["integrationId": .string(id), "confirm": true])
        #expect(deleted["result"]?["deleted"] == true)
        #expect(try await client.call("integration.get", ["integrationId": .string(id)])["error"]?["code"] == 4004)
        try await fixture.daemon.stop()
    }
}
