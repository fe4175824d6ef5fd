import AddigySimulator
import Foundation
import JSONCore

/// Fleets shared by the tests; generating them once keeps the suite fast.
enum Fixtures {
    static let smallFleet = Fleet.generate(seed: 42, deviceCount: 200)
    static let largeFleet = Fleet.generate(seed: 7, deviceCount: 20_000)
    static let token = "sim-token"

    /// Starts a simulator on a free port of 127.0.0.1; the caller stops it.
    static func startSimulator(
        fleet: Fleet = smallFleet,
        tokens: [SimulatorToken] = [SimulatorToken(token)],
        faults: FaultSettings = FaultSettings(),
        rateLimit: RateLimitSettings = RateLimitSettings(),
        clock: any SimulatorClock = SystemClock(),
        onRequest: (@Sendable (SimulatorRequest) -> Void)? = nil
    ) throws -> (AddigySimulator, Int) {
        let configuration = SimulatorConfiguration(
            tokens: tokens, fleet: fleet, faults: faults, rateLimit: rateLimit, seed: 3, onRequest: onRequest
        )
        let simulator = AddigySimulator(configuration: configuration, clock: clock)
        let port = try simulator.start()
        return (simulator, port)
    }

    /// Returns a device query body with the given members.
    static func deviceQuery(_ members: JSONValue) -> String {
        members.description
    }

    /// Returns the value of fact `identifier` in a device item, nil when the fact is absent.
    static func factValue(_ device: JSONValue, _ identifier: String) -> JSONValue? {
        device["facts"]?[identifier]?["value"]
    }

    /// Returns the agent ids of a device response's items.
    static func agentIds(_ response: JSONValue?) -> [String] {
        (response?["items"]?.arrayValue ?? []).compactMap { $0["agentid"]?.stringValue }
    }

    /// Returns a path inside a new temporary folder.
    static func temporaryPath(_ name: String) throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("addigy-sim-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder.appendingPathComponent(name).path
    }
}
