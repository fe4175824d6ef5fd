import Foundation
import JSONCore

/// The thresholds of the compliance report.
public struct ComplianceRules: Sendable, Equatable {
    /// A device not seen for more than this many days fails the `offline` check.
    public var offlineDays = 30
    /// A device with less free disk than this percentage fails `lowDisk`.
    public var minimumFreeDiskPercent = 10.0
    /// A battery with more charge cycles than this fails `batteryCycles`.
    public var maximumBatteryCycles = 1000

    public init() {}
}

/// One compliance check of the report.
public enum ComplianceCheck: String, Sendable, CaseIterable {
    case fileVault
    case firewall
    case gatekeeper
    case systemIntegrityProtection
    case mdmEnrollment
    case offline
    case lowDisk
    case batteryCycles

    /// Checks of macOS features, which do not apply to iPhones, iPads and Apple TVs.
    var isMacOnly: Bool {
        switch self {
        case .fileVault, .firewall, .gatekeeper, .systemIntegrityProtection: true
        default: false
        }
    }
}

/// The outcome of the compliance checks for one device.
public struct ComplianceResult: Sendable, Equatable {
    /// Failed checks with a sentence each, in check order.
    public var failures: [(check: ComplianceCheck, message: String)] = []
    /// Checks that apply but whose facts Addigy does not know.
    public var unknown: [ComplianceCheck] = []

    public var isCompliant: Bool { failures.isEmpty }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.unknown == rhs.unknown && lhs.failures.map(\.check) == rhs.failures.map(\.check)
            && lhs.failures.map(\.message) == rhs.failures.map(\.message)
    }
}

/// Evaluates a device's extended data (as `DeviceDetails` builds it) against `ComplianceRules`.
///
/// A check fails only on a known bad value: `false` for a security setting, an old last-seen
/// time, low disk, many battery cycles. Unknown values are counted apart, never as failures.
public enum Compliance {
    public static func evaluate(_ details: JSONValue, rules: ComplianceRules, now: Date) -> ComplianceResult {
        var result = ComplianceResult()
        let isMac = details["system"]?["platform"]?.stringValue == "macOS"
        let security = details["security"]
        let flags: [(ComplianceCheck, String, String)] = [
            (.fileVault, "fileVaultEnabled", "FileVault is off."),
            (.firewall, "firewallEnabled", "The firewall is off."),
            (.gatekeeper, "gatekeeperEnabled", "Gatekeeper is off."),
            (.systemIntegrityProtection, "systemIntegrityProtectionEnabled", "System Integrity Protection is off."),
            (.mdmEnrollment, "mdmEnrolled", "The device is not enrolled in MDM."),
        ]
        for (check, key, message) in flags where isMac || !check.isMacOnly {
            switch security?[key]?.boolValue {
            case false?: result.failures.append((check, message))
            case nil: result.unknown.append(check)
            default: break
            }
        }

        if let text = details["system"]?["lastSeenAt"]?.stringValue, let lastSeen = ISO8601.date(from: text) {
            let days = Int(now.timeIntervalSince(lastSeen) / 86_400)
            if days > rules.offlineDays {
                result.failures.append((.offline, "Last seen \(days) days ago (limit \(rules.offlineDays))."))
            }
        } else {
            result.unknown.append(.offline)
        }

        let hardware = details["hardware"]
        let freePercent = hardware?["diskFreePercent"]?.doubleValue
            ?? hardware?["diskUsedPercent"]?.doubleValue.map { 100 - $0 }
        if let freePercent {
            if freePercent < rules.minimumFreeDiskPercent {
                result.failures.append((.lowDisk, "Only \(format(freePercent))% of the disk is free (minimum "
                    + "\(format(rules.minimumFreeDiskPercent))%)."))
            }
        } else {
            result.unknown.append(.lowDisk)
        }

        if let cycles = details["battery"]?["cycleCount"]?.doubleValue, cycles > Double(rules.maximumBatteryCycles) {
            result.failures.append((.batteryCycles, "The battery has \(Int(cycles)) charge cycles (limit "
                + "\(rules.maximumBatteryCycles))."))
        }
        return result
    }

    private static func format(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String((value * 10).rounded() / 10)
    }
}
