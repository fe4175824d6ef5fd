import AddigyClient
import AddigySimulator
import DaemonLog
import Foundation
import InventoryStore
import JSONCore
import TestSupport

@testable import SyncEngine

/// A store with one tenant and integration, and one simulator whose fleet a test can replace
/// between syncs, as devices enroll, move and leave in Addigy.
final class DeviceSyncFixture {
    static let token = "device-sync-token"

    let directory: TemporaryDirectory
    let store: Store
    let simulator: AddigySimulator
    let integrationID = UUID().uuidString.lowercased()
    let tenantID: String
    let logger = Logger(sink: .inMemory())
    private(set) var companies: [String: String] = [:]

    init(fleet: Fleet, rateLimit: RateLimitSettings = RateLimitSettings()) async throws {
        directory = try TemporaryDirectory()
        store = try Store(path: directory.appending(Store.fileName), logger: logger)
        tenantID = try await store.createTenant(name: "t", accessKeyHash: AccessKey.hash(AccessKey.generate())).id
        let now = Date()
        try await store.insertIntegration(IntegrationRecord(
            id: integrationID, tenantID: tenantID, name: "i", baseURL: "http://127.0.0.1", sealedToken: [1],
            tokenFingerprint: "f", organizationID: nil, permissions: [], status: "connected", lastTestedAt: nil,
            createdAt: now, updatedAt: now
        ))
        simulator = AddigySimulator(configuration: SimulatorConfiguration(
            tokens: [SimulatorToken(Self.token)], fleet: fleet, rateLimit: rateLimit
        ))
        _ = try simulator.start()
    }

    deinit {
        simulator.stop()
    }

    var client: AddigyClient {
        AddigyClient(
            baseURL: URL(string: simulator.baseURL)!,
            token: APIToken(Self.token)!,
            transport: URLSessionTransport(requestTimeout: 5, resourceTimeout: 10),
            limiter: RateLimiter(limits: RateLimits(perSecond: 50, perTenSeconds: 500), clock: RealTimeClock()),
            retry: RetryPolicy(maxAttempts: 2, baseDelay: 0.01, maxDelay: 0.01),
            logger: logger
        )
    }

    /// Syncs policies, then maps each named policy to a company of the same name, made on first use.
    func syncPolicies(mapping: [String: String] = [:]) async throws {
        _ = try await PolicySync.run(integrationID: integrationID, client: client, store: store, logger: logger)
        for (policyID, companyName) in mapping {
            try await map(policyID, to: companyName)
        }
    }

    func map(_ policyID: String, to companyName: String) async throws {
        let companyID = try await company(companyName)
        try await store.mapPolicy(integrationID: integrationID, mapping: PolicyMapping(
            policyID: policyID, companyID: companyID, companyName: companyName, source: .manual, confidence: nil,
            reason: nil
        ))
    }

    func company(_ name: String) async throws -> String {
        if let id = companies[name] { return id }
        let id = try await store.createCompany(tenantID: tenantID, name: name, externalIDs: ExternalIDs()).id
        companies[name] = id
        return id
    }

    /// Runs a device sync and records it as a succeeded run, as the daemon does, so the next
    /// sync can compare its device count with this one's.
    @discardableResult
    func syncDevices(perPage: Int = 100) async throws -> DeviceSyncReport {
        let run = try await store.createSyncRun(integrationID: integrationID, scope: "devices", trigger: "manual", at: Date())
        let report = try await DeviceSync.run(
            integrationID: integrationID, tenantID: tenantID, client: client, store: store, logger: logger,
            options: DeviceSyncOptions(perPage: perPage)
        )
        try await store.finishSyncRun(
            id: run.id, status: .succeeded, counts: text(["devices": report.counts]),
            details: text(["devices": report.details]), at: Date()
        )
        return report
    }

    /// Maps a device type to an asset type of the same name, made on first use.
    func mapType(_ deviceType: String, autoSync: Bool = false) async throws {
        var assetType = try await store.assetTypes(tenantID: tenantID).first { $0.name == deviceType }
        if assetType == nil {
            assetType = try await store.createAssetType(tenantID: tenantID, name: deviceType)
        }
        guard let assetType else { return }
        try await store.mapDeviceType(integrationID: integrationID, name: deviceType, assetTypeID: assetType.id,
                                      source: .manual)
        if autoSync {
            try await store.setDeviceTypeAutoSync(integrationID: integrationID, name: deviceType, enabled: true)
        }
    }

    func staged(_ agentID: String) async throws -> StagedRow? {
        try await store.stagedRows(integrationID: integrationID, agentIDs: [agentID])[agentID]
    }

    func importAll() async throws -> ImportOutcome {
        try await store.importDevices(tenantID: tenantID, integrationID: integrationID, selection: .allPending,
                                      dryRun: false, at: Date())
    }

    func importAgents(_ agentIDs: [String], dryRun: Bool = false) async throws -> ImportOutcome {
        try await store.importDevices(tenantID: tenantID, integrationID: integrationID, selection: .agents(agentIDs),
                                      dryRun: dryRun, at: Date())
    }

    /// Returns every row of the device tables as text, for comparing two states of the database.
    func dump() throws -> [String] {
        let connection = try SQLiteConnection(path: directory.appending(Store.fileName))
        defer { connection.close() }
        var lines: [String] = []
        for table in ["staged_devices", "devices", "device_types"] {
            for row in try connection.query("SELECT * FROM \(table) ORDER BY 1, 2") {
                lines.append(table + ": " + row.values.map { "\($0)" }.joined(separator: " | "))
            }
        }
        return lines
    }

    private func text(_ value: JSONValue) -> String {
        String(decoding: JSONWriter.encode(value), as: UTF8.self)
    }
}

/// Builds small, readable fleets for device sync tests.
enum TestFleet {
    static let organizationID = "org-test"

    /// Acme with a child policy for laptops, Globex, and an internal policy that stays unmapped.
    static let policies: [JSONValue] = [
        policy("p-acme", "Acme Dental", parent: nil),
        policy("p-acme-laptops", "Laptops", parent: "p-acme"),
        policy("p-globex", "Globex", parent: ""),
        policy("p-internal", "Internal", parent: nil),
    ]

    static func policy(_ id: String, _ name: String, parent: String?) -> JSONValue {
        ["policyId": .string(id), "name": .string(name), "parent": parent.map(JSONValue.string) ?? .null,
         "orgid": .string(organizationID)]
    }

    static func fact(_ value: JSONValue, type: String = "string", error: String = "") -> JSONValue {
        ["type": .string(type), "value": value, "error_msg": .string(error)]
    }

    /// Builds a device in `policy`. `facts` override or add facts, and a fact set to `nil` is left out.
    static func device(
        _ agentID: String, name: String?, serial: String?, policy: String?, model: String = "MacBookPro18,1",
        modelName: String? = "MacBook Pro", facts: [String: JSONValue?] = [:]
    ) -> JSONValue {
        var all: [(String, JSONValue?)] = [
            ("device_name", name.map { fact(.string($0)) }),
            ("serial_number", serial.map { fact(.string($0)) }),
            ("policy_id", policy.map { fact(.string($0)) }),
            ("policy_ids", policy.map { fact([.string($0)], type: "list") }),
            ("hardware_model", fact(.string(model))),
            ("device_model_name", modelName.map { fact(.string($0)) } ?? fact(.null)),
            ("mac_os_x_version", fact("14.5")),
            ("os_version", fact("14.5")),
            ("filevault_enabled", fact(true, type: "boolean")),
            ("firewall_enabled", fact(true, type: "boolean")),
            ("last_online", fact("2026-11-30T10:00:00.5Z", type: "date")),
        ]
        for (name, value) in facts {
            if let index = all.firstIndex(where: { $0.0 == name }) {
                all[index].1 = value
            } else {
                all.append((name, value))
            }
        }
        var factObject = JSONObject()
        for (name, value) in all {
            if let value { factObject[name] = value }
        }
        return ["agentid": .string(agentID), "orgid": .string(organizationID),
                "audit_date": "2026-11-30T10:05:00Z", "facts": .object(factObject)]
    }

    static func fleet(_ devices: [JSONValue]) -> Fleet {
        Fleet(organizationId: organizationID, policies: policies, devices: devices)
    }
}
