import AddigySimulator
import DaemonLog
import Foundation
import JSONCore
import TestSupport
import Testing

@testable import AddigyClient

/// A simulator on loopback and a client of it with a fast retry policy.
struct SimulatedAccount {
    static let token = "client-test-token"

    let simulator: AddigySimulator
    let fleet: Fleet
    let client: AddigyClient
    let logSink = LogSink.inMemory()

    init(
        deviceCount: Int = 120,
        faults: FaultSettings = FaultSettings(),
        rateLimit: RateLimitSettings = RateLimitSettings(),
        limits: RateLimits = RateLimits(perSecond: 50, perTenSeconds: 500),
        tokenText: String = SimulatedAccount.token,
        permissions: [String] = SimulatorToken.allPermissions
    ) async throws {
        fleet = await generateOffPool(seed: 11, deviceCount: deviceCount)
        simulator = AddigySimulator(configuration: SimulatorConfiguration(
            tokens: [SimulatorToken(Self.token, permissions: permissions)],
            fleet: fleet,
            faults: faults,
            rateLimit: rateLimit
        ))
        _ = try simulator.start()
        client = testClient(baseURL: simulator.baseURL, token: tokenText, limits: limits, logSink: logSink)
    }

    /// Fetches every device and returns them in page order.
    func allDevices(facts: [String] = ["device_name", "serial_number", "policy_id", "policy_ids"]) async throws
        -> ([AddigyDevice], DeviceFetchSummary)
    {
        var devices: [AddigyDevice] = []
        let summary = try await client.devices(facts: facts) { page in
            devices += page.devices
        }
        return (devices, summary)
    }
}

/// Makes a client of `baseURL` with short timeouts and near-instant retries, for tests.
func testClient(
    baseURL: String,
    token: String = SimulatedAccount.token,
    timeout: Double = 5,
    attempts: Int = 4,
    limits: RateLimits = RateLimits(),
    logSink: LogSink = .inMemory()
) -> AddigyClient {
    AddigyClient(
        baseURL: URL(string: baseURL)!,
        token: APIToken(token)!,
        transport: URLSessionTransport(requestTimeout: timeout, resourceTimeout: timeout * 2),
        limiter: RateLimiter(limits: limits, clock: RealTimeClock()),
        retry: RetryPolicy(maxAttempts: attempts, baseDelay: 0.01, maxDelay: 0.05),
        logger: Logger(sink: logSink)
    )
}

/// Generates a fleet on a thread of its own: a 20,000-device fleet takes a while, and doing it
/// on the Swift concurrency pool (two threads here) would stall other tests' servers meanwhile.
func generateOffPool(seed: UInt64, deviceCount: Int) async -> Fleet {
    // The closure cannot throw, so neither can runBlocking here.
    try! await runBlocking { Fleet.generate(seed: seed, deviceCount: deviceCount) }
}

@Suite struct ClientOverHTTPTests {
    @Test func connectionTestReportsOrganizationAndPermissions() async throws {
        let account = try await SimulatedAccount()
        let test = await account.client.testConnection()
        guard case .success(let organizationID, _, let permissions) = test.outcome else {
            Issue.record("expected success, got \(test.outcome)")
            return
        }
        #expect(organizationID == account.fleet.organizationId)
        #expect(permissions.contains("View Devices"))
        account.simulator.stop()
    }

    @Test func wrongTokenIsInvalidTokenWithoutRetry() async throws {
        let account = try await SimulatedAccount(tokenText: "wrong-token")
        let test = await account.client.testConnection()
        guard case .failure(let error) = test.outcome else {
            Issue.record("expected a failure")
            return
        }
        #expect(error.reason == .invalidToken)
        #expect(error.status == 401)
        #expect(!error.description.contains("wrong-token"))
        #expect(account.simulator.requestLog.count == 1)
        account.simulator.stop()
    }

    @Test func missingPermissionIsForbidden() async throws {
        let account = try await SimulatedAccount(permissions: ["View Policies"])
        await #expect {
            try await account.allDevices()
        } throws: { error in
            (error as? AddigyError)?.reason == .forbidden && (error as? AddigyError)?.status == 403
        }
        #expect(account.simulator.requestLog.count == 1, "403 must not be retried")
        account.simulator.stop()
    }

    @Test func policiesDecodeEveryRootShape() async throws {
        let account = try await SimulatedAccount()
        let policies = try await account.client.policies()
        #expect(policies.count == account.fleet.policies.count)
        let roots = policies.filter { $0.parentId == nil }
        let rawRoots = account.fleet.policies.filter { raw in
            raw["parent"] == nil || raw["parent"] == .null || raw["parent"] == ""
        }
        #expect(roots.count == rawRoots.count)
        #expect(!roots.isEmpty)
        account.simulator.stop()
    }

    @Test func pagingReadsEveryDeviceOnce() async throws {
        let account = try await SimulatedAccount(deviceCount: 20_000, limits: RateLimits(perSecond: 50, perTenSeconds: 100))
        let started = Date()
        let (devices, summary) = try await account.allDevices()
        #expect(devices.count == account.fleet.devices.count)
        #expect(Set(devices.map(\.agentId)).count == devices.count)
        #expect(summary.total == account.fleet.devices.count)
        #expect(summary.pages == 200)

        // Only reads, and never more than the configured rate in any 10-second window.
        let log = account.simulator.requestLog
        #expect(log.allSatisfy { $0.method == "GET" || $0.path.hasSuffix("/devices") || $0.path.hasSuffix("/query") })
        let times = log.map(\.time).sorted()
        var first = 0
        var busiest = 0
        for (index, time) in times.enumerated() {
            while time.timeIntervalSince(times[first]) >= 10 { first += 1 }
            busiest = max(busiest, index - first + 1)
        }
        #expect(busiest <= 100)
        #expect(Date().timeIntervalSince(started) >= 10, "200 requests at 100 per 10 s cannot finish sooner")
        account.simulator.stop()
    }

    @Test func quirksDecodeWithoutLoss() async throws {
        let account = try await SimulatedAccount(deviceCount: 400)
        let facts = ["device_name", "serial_number", "policy_id", "policy_ids", "filevault_enabled", "last_online",
                     "battery_cycles", "hardware_model", "device_model_name", "mac_os_x_version", "total_disk_space_gb"]
        let (devices, _) = try await account.allDevices(facts: facts)
        #expect(devices.count == 400)
        #expect(devices.contains { $0.bool("filevault_enabled") == false }, "false must stay false")
        #expect(devices.contains { $0.bool("filevault_enabled") == nil }, "MDM-only devices have unknown FileVault")
        #expect(devices.contains { $0.policyIds.isEmpty }, "some devices are in no policy")
        #expect(devices.contains { $0.policyIds.count > 1 }, "some devices are in several policies")
        #expect(devices.contains { $0.serialNumber == nil }, "some serials are blank")
        let names = devices.compactMap(\.name)
        #expect(Set(names).count < names.count, "duplicate names exist and stay separate devices")

        // Every date string the simulator sent parses, whatever its fraction digits.
        for raw in account.fleet.devices {
            if case .string(let text)? = raw["facts"]?["last_online"]?["value"] {
                #expect(FactDecoding.date(.string(text)) != nil, "unparsed date \(text)")
            }
        }
        account.simulator.stop()
    }

    @Test func emptyResultStopsAfterOnePage() async throws {
        let account = try await SimulatedAccount(deviceCount: 0)
        let (devices, summary) = try await account.allDevices()
        #expect(devices.isEmpty)
        #expect(summary.pages == 1)
        account.simulator.stop()
    }

    @Test func serverErrorsAreRetriedToCompletion() async throws {
        let account = try await SimulatedAccount(deviceCount: 2000, faults: FaultSettings(errorRate: 0.3))
        let (devices, _) = try await account.allDevices()
        #expect(devices.count == 2000)
        #expect(account.simulator.requestLog.contains { $0.statusCode == 500 })
        account.simulator.stop()
    }

    @Test func truncatedBodiesAreRetried() async throws {
        let account = try await SimulatedAccount(deviceCount: 2000, faults: FaultSettings(truncateRate: 0.3))
        let (devices, _) = try await account.allDevices()
        #expect(devices.count == 2000)
        #expect(account.logSink.lines.contains { $0.contains("retrying Addigy request") })
        account.simulator.stop()
    }

    @Test func persistentServerErrorsFailAfterBoundedRetries() async throws {
        let account = try await SimulatedAccount(faults: FaultSettings(errorRate: 1))
        await #expect {
            try await account.client.policies()
        } throws: { error in
            (error as? AddigyError)?.reason == .serverError
        }
        #expect(account.simulator.requestLog.count == 4)
        account.simulator.stop()
    }

    @Test func rateLimitStopsAtFirst429() async throws {
        let account = try await SimulatedAccount(deviceCount: 1000, rateLimit: RateLimitSettings(limit: 3))
        await #expect {
            try await account.allDevices()
        } throws: { error in
            (error as? AddigyError)?.reason == .rateLimited
        }
        #expect(account.simulator.requestLog.filter { $0.statusCode == 429 }.count == 1)
        account.simulator.stop()
    }

    @Test func revokedTokenMidFetchFailsAsInvalidToken() async throws {
        let account = try await SimulatedAccount(deviceCount: 1000, faults: FaultSettings(revokeAfterRequests: 3))
        var pagesSeen = 0
        await #expect {
            _ = try await account.client.devices(facts: ["device_name"]) { _ in pagesSeen += 1 }
        } throws: { error in
            (error as? AddigyError)?.reason == .invalidToken
        }
        #expect(pagesSeen == 3)
        account.simulator.stop()
    }

    @Test func slowAnswerTimesOutAfterRetries() async throws {
        let fleet = await generateOffPool(seed: 2, deviceCount: 5)
        let simulator = AddigySimulator(configuration: SimulatorConfiguration(
            tokens: [SimulatorToken(SimulatedAccount.token)],
            fleet: fleet,
            faults: FaultSettings(latency: .seconds(3))
        ))
        _ = try simulator.start()
        let client = testClient(baseURL: simulator.baseURL, timeout: 1, attempts: 2)
        await #expect {
            try await client.permissions()
        } throws: { error in
            (error as? AddigyError)?.reason == .timeout
        }
        simulator.stop()
    }

    @Test func notFoundIsNotRetried() async throws {
        let account = try await SimulatedAccount()
        let client = testClient(baseURL: account.simulator.baseURL + "/missing")
        await #expect {
            try await client.permissions()
        } throws: { error in
            (error as? AddigyError)?.reason == .unexpectedResponse && (error as? AddigyError)?.status == 404
        }
        #expect(account.simulator.requestLog.count == 1)
        account.simulator.stop()
    }

    @Test func unreachableHostIsReported() async throws {
        let client = testClient(baseURL: "http://127.0.0.1:9/api/v2", token: "x", timeout: 2, attempts: 2)
        let test = await client.testConnection()
        guard case .failure(let error) = test.outcome else {
            Issue.record("expected a failure")
            return
        }
        #expect(error.reason == .unreachable)
    }
}
