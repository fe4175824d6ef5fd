import Foundation
import JSONCore

/// The organisation, policies and devices a simulator serves, in Addigy's wire shapes.
///
/// `policies` contains `Policy` objects as `POST /oa/policies/query` returns them. `devices`
/// contains `DeviceAudit` items (`agentid`, `orgid`, `audit_date`, `agent_audit_date`, `facts`)
/// with every fact the device has, and queries pick the requested facts from these.
public struct Fleet: Sendable {
    /// The time generated fleets are relative to, fixed so that a seed always gives the same
    /// fleet: 2026-12-01T12:00:00Z. Devices with recent activity were last seen shortly before it.
    public static let defaultReferenceDate = Date(timeIntervalSince1970: 1_796_126_400)

    public var organizationId: String
    public var policies: [JSONValue]
    public var devices: [JSONValue]

    public init(organizationId: String, policies: [JSONValue], devices: [JSONValue]) {
        self.organizationId = organizationId
        self.policies = policies
        self.devices = devices
    }

    /// Generates a fleet of `deviceCount` devices; the same seed, count and reference date
    /// always give the same fleet. Every data quirk appears once `deviceCount` is 20 or more.
    public static func generate(seed: UInt64, deviceCount: Int, referenceDate: Date = defaultReferenceDate) -> Fleet {
        var generator = FleetGenerator(seed: seed, referenceEpoch: Int(referenceDate.timeIntervalSince1970))
        let devices = generator.generateDevices(count: max(deviceCount, 0))
        return Fleet(organizationId: generator.organizationId, policies: generator.policies.map(\.json), devices: devices)
    }

    /// Loads a fleet file written by `write(to:)` or by hand:
    /// `{"organizationId": "...", "policies": [...], "devices": [...]}`.
    ///
    /// Throws `SimulatorError` when the file cannot be read, is not JSON, or a device has no
    /// string `agentid` or no `facts` object.
    public init(contentsOf path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SimulatorError("Cannot read the fleet file \(path); check that it exists and is readable.")
        }
        let root: JSONValue
        do {
            root = try JSONParser.parse(Array(data), maxDepth: 64)
        } catch {
            throw SimulatorError("The fleet file \(path) is not valid JSON: \(error).")
        }
        guard let organizationId = root["organizationId"]?.stringValue else {
            throw SimulatorError("The fleet file \(path) has no string member \"organizationId\".")
        }
        guard let policies = root["policies"]?.arrayValue, let devices = root["devices"]?.arrayValue else {
            throw SimulatorError("The fleet file \(path) needs array members \"policies\" and \"devices\".")
        }
        for (index, device) in devices.enumerated() {
            guard device["agentid"]?.stringValue != nil, device["facts"]?.objectValue != nil else {
                throw SimulatorError("Device \(index) in the fleet file \(path) needs a string \"agentid\" and a \"facts\" object.")
            }
        }
        self.init(organizationId: organizationId, policies: policies, devices: devices)
    }

    /// The fleet file form, as read by `init(contentsOf:)`.
    public var jsonValue: JSONValue {
        ["organizationId": .string(organizationId), "policies": .array(policies), "devices": .array(devices)]
    }

    /// Writes the fleet as compact JSON to `path`, replacing any file there.
    public func write(to path: String) throws {
        let bytes = JSONWriter.encode(jsonValue)
        do {
            try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw SimulatorError("Writing the fleet file \(path) failed: \(error.localizedDescription)")
        }
    }
}
