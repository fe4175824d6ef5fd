import AddigyClient
import AddigySimulator
import DaemonLog
import Foundation
import InventoryStore
import JSONCore
import TestSupport
import Testing

@testable import SyncEngine

/// A store with one tenant and integration, synced against simulators started per fleet.
final class PolicySyncFixture {
    static let token = "policy-sync-token"

    let directory: TemporaryDirectory
    let store: Store
    let integrationID = UUID().uuidString.lowercased()
    let tenantID: String
    private var simulators: [AddigySimulator] = []

    init() async throws {
        directory = try TemporaryDirectory()
        store = try Store(path: directory.appending(Store.fileName), logger: Logger(sink: .inMemory()))
        tenantID = try await store.createTenant(name: "t", accessKeyHash: AccessKey.hash(AccessKey.generate())).id
        let now = Date()
        try await store.insertIntegration(IntegrationRecord(
            id: integrationID, tenantID: tenantID, name: "i", baseURL: "http://127.0.0.1", sealedToken: [1],
            tokenFingerprint: "f", organizationID: nil, permissions: [], status: "connected", lastTestedAt: nil,
            createdAt: now, updatedAt: now
        ))
    }

    deinit {
        for simulator in simulators { simulator.stop() }
    }

    /// Syncs the given policies, served by a fresh simulator.
    @discardableResult
    func sync(_ policies: [JSONValue], revoke: Bool = false) async throws -> PolicySyncChanges {
        let simulator = AddigySimulator(configuration: SimulatorConfiguration(
            tokens: [SimulatorToken(Self.token)],
            fleet: Fleet(organizationId: "org-1", policies: policies, devices: [])
        ))
        simulators.append(simulator)
        _ = try simulator.start()
        if revoke { simulator.revoke(token: Self.token) }
        let client = AddigyClient(
            baseURL: URL(string: simulator.baseURL)!,
            token: APIToken(Self.token)!,
            transport: URLSessionTransport(requestTimeout: 5, resourceTimeout: 10),
            limiter: RateLimiter(limits: RateLimits(), clock: RealTimeClock()),
            retry: RetryPolicy(maxAttempts: 2, baseDelay: 0.01, maxDelay: 0.01),
            logger: Logger(sink: .inMemory())
        )
        return try await PolicySync.run(
            integrationID: integrationID, client: client, store: store, logger: Logger(sink: .inMemory())
        )
    }

    func policies() async throws -> [String: PolicyRecord] {
        Dictionary(uniqueKeysWithValues: try await store.policies(integrationID: integrationID).map { ($0.policyID, $0) })
    }
}

func policyJSON(_ id: String, _ name: String, parent: JSONValue? = nil) -> JSONValue {
    var object: JSONObject = ["policyId": .string(id), "name": .string(name), "orgid": "org-1"]
    if let parent { object["parent"] = parent }
    return .object(object)
}

@Suite struct PolicySyncTests {
    static let tree: [JSONValue] = [
        policyJSON("acme", "Acme Dental", parent: .null),
        policyJSON("acme-laptops", "Laptops", parent: "acme"),
        policyJSON("zenith", "Zenith Law", parent: ""),
        policyJSON("zenith-ipads", "iPads", parent: "zenith"),
        policyJSON("orphan", "Orphaned Group", parent: "deleted-parent"),
        policyJSON("internal", "Internal IT"),
    ]

    @Test func firstSyncAddsTheTree() async throws {
        let fixture = try await PolicySyncFixture()
        let changes = try await fixture.sync(Self.tree)
        #expect(changes.added == 6)
        let policies = try await fixture.policies()
        #expect(policies["acme-laptops"]?.path == ["Acme Dental", "Laptops"])
        #expect(policies["zenith-ipads"]?.treeParentID == "zenith")
        #expect(policies["orphan"]?.treeParentID == nil)
        #expect(policies["orphan"]?.parentID == "deleted-parent")
        #expect(try await fixture.store.policiesSyncedAt(integrationID: fixture.integrationID) != nil)
    }

    @Test func renameKeepsMapping() async throws {
        let fixture = try await PolicySyncFixture()
        try await fixture.sync(Self.tree)
        let company = try await fixture.store.createCompany(tenantID: fixture.tenantID, name: "Acme", externalIDs: ExternalIDs())
        try await fixture.store.mapPolicy(
            integrationID: fixture.integrationID,
            mapping: PolicyMapping(policyID: "acme", companyID: company.id, companyName: company.name, source: .manual,
                                   confidence: nil, reason: nil)
        )

        var renamed = Self.tree
        renamed[0] = policyJSON("acme", "Acme Dental Group", parent: .null)
        let changes = try await fixture.sync(renamed)
        #expect(changes.updated == 2, "the policy and its child, whose path changed")
        #expect(try await fixture.policies()["acme-laptops"]?.path == ["Acme Dental Group", "Laptops"])
        #expect(try await fixture.store.policyMappings(integrationID: fixture.integrationID)["acme"]?.companyID == company.id)
    }

    @Test func vanishedPolicyIsMarkedRemovedAndRestored() async throws {
        let fixture = try await PolicySyncFixture()
        try await fixture.sync(Self.tree)
        let withoutZenith = Self.tree.filter { $0["policyId"] != "zenith-ipads" }
        let removal = try await fixture.sync(withoutZenith)
        #expect(removal.removed == 1)
        #expect(try await fixture.policies()["zenith-ipads"]?.removedAt != nil)

        let back = try await fixture.sync(Self.tree)
        #expect(back.restored == 1)
        #expect(try await fixture.policies()["zenith-ipads"]?.removedAt == nil)
    }

    @Test func emptyAnswerIsRefusedAndChangesNothing() async throws {
        let fixture = try await PolicySyncFixture()
        try await fixture.sync(Self.tree)
        await #expect(throws: SyncError.self) { try await fixture.sync([]) }
        let policies = try await fixture.policies()
        #expect(policies.count == 6)
        #expect(policies.values.allSatisfy { $0.removedAt == nil })
    }

    @Test func failedFetchKeepsLastGoodData() async throws {
        let fixture = try await PolicySyncFixture()
        try await fixture.sync(Self.tree)
        await #expect {
            try await fixture.sync([policyJSON("new", "New")], revoke: true)
        } throws: { error in
            (error as? AddigyError)?.reason == .invalidToken
        }
        let policies = try await fixture.policies()
        #expect(policies.count == 6)
        #expect(policies["new"] == nil)
    }
}
