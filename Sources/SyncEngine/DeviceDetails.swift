import AddigyClient
import Foundation
import JSONCore

/// The extended data of a device, in the groups `devices.get` returns: hardware, security,
/// network, battery, user and system.
///
/// Units are in the field names (`memoryGB`, `diskFreePercent`, `lastSeenAt`). A fact Addigy
/// does not know is null, and `false` stays `false`. A fact whose collection failed on the
/// device keeps its last known value, and `staleFacts` gives the time that value was collected
/// and Addigy's error message. `collectedAt` is Addigy's audit time of the device.
public enum DeviceDetails {
    /// The source of one field in Addigy's facts.
    struct Field: Sendable {
        enum Kind: Sendable {
            case string
            case bool
            case number
            case date
        }

        let group: String
        let key: String
        let kind: Kind
        /// Facts tried in order; the first with a value wins.
        let facts: [String]

        var path: String { group + "." + key }
    }

    /// Every field read straight from a fact, in output order within each group.
    static let fields: [Field] = [
        Field(group: "hardware", key: "modelIdentifier", kind: .string, facts: ["hardware_model", "product_name"]),
        Field(group: "hardware", key: "processor", kind: .string, facts: ["processor_type"]),
        Field(group: "hardware", key: "chip", kind: .string, facts: ["device_chip_type"]),
        Field(group: "hardware", key: "memoryGB", kind: .number, facts: ["total_memory_gb"]),
        Field(group: "hardware", key: "diskTotalGB", kind: .number, facts: ["total_disk_space_gb"]),
        Field(group: "hardware", key: "diskFreeGB", kind: .number, facts: ["free_disk_space_gb"]),
        Field(group: "hardware", key: "diskFreePercent", kind: .number, facts: ["free_disk_percentage"]),

        Field(group: "security", key: "fileVaultEnabled", kind: .bool, facts: ["filevault_enabled"]),
        Field(group: "security", key: "fileVaultKeyEscrowed", kind: .bool, facts: ["filevault_key_escrowed"]),
        Field(group: "security", key: "firewallEnabled", kind: .bool, facts: ["firewall_enabled"]),
        Field(group: "security", key: "gatekeeperEnabled", kind: .bool, facts: ["gatekeeper_enabled"]),
        Field(group: "security", key: "systemIntegrityProtectionEnabled", kind: .bool,
              facts: ["system_integrity_protection_enabled"]),
        Field(group: "security", key: "mdmEnrolled", kind: .bool, facts: ["has_mdm"]),
        Field(group: "security", key: "mdmProfileApproved", kind: .bool, facts: ["has_mdm_profile_approved"]),
        Field(group: "security", key: "supervised", kind: .bool, facts: ["is_supervised"]),
        Field(group: "security", key: "enrolledViaDEP", kind: .bool, facts: ["enrolled_via_dep"]),

        Field(group: "network", key: "hostname", kind: .string, facts: ["host_name", "localhost_name"]),
        Field(group: "network", key: "lanIP", kind: .string, facts: ["local_ip"]),
        Field(group: "network", key: "wanIP", kind: .string, facts: ["client_ip"]),
        Field(group: "network", key: "wifiMAC", kind: .string, facts: ["wifi_mac_address"]),
        Field(group: "network", key: "ethernetMAC", kind: .string, facts: ["ethernet_mac_address"]),

        Field(group: "battery", key: "percent", kind: .number, facts: ["battery_percentage"]),
        Field(group: "battery", key: "charging", kind: .bool, facts: ["battery_charging"]),
        Field(group: "battery", key: "cycleCount", kind: .number, facts: ["battery_cycles"]),

        Field(group: "user", key: "currentUser", kind: .string, facts: ["current_user"]),
        Field(group: "user", key: "email", kind: .string, facts: ["identity_email"]),

        Field(group: "system", key: "osVersion", kind: .string, facts: ["os_version", "mac_os_x_version"]),
        Field(group: "system", key: "systemVersion", kind: .string, facts: ["system_version"]),
        Field(group: "system", key: "buildVersion", kind: .string, facts: ["build_version"]),
        Field(group: "system", key: "agentVersion", kind: .string, facts: ["agent_version"]),
        Field(group: "system", key: "lastSeenAt", kind: .date, facts: ["last_online", "mdm_last_connected"]),
        Field(group: "system", key: "online", kind: .bool, facts: ["online"]),
        Field(group: "system", key: "udid", kind: .string, facts: ["udid"]),
        Field(group: "system", key: "registeredAt", kind: .date, facts: ["registration_date"]),
        Field(group: "system", key: "warrantyExpiresAt", kind: .date, facts: ["warranty_expiration_date"]),
    ]

    public static let groups = ["hardware", "security", "network", "battery", "user", "system"]

    /// The facts a device sync requests from Addigy: every fact read here, plus identity and policy facts.
    public static let requestedFacts: [String] = {
        var facts = ["agentid", "device_name", "serial_number", "policy_id", "policy_ids", "device_model_name",
                     "mac_os_x_version"]
        for field in fields {
            for fact in field.facts where !facts.contains(fact) {
                facts.append(fact)
            }
        }
        return facts
    }()

    /// Builds the extended data of `device`, carrying over from `previous` the values of facts
    /// whose collection failed this time.
    ///
    /// - Parameters:
    ///   - classification: the device type, shown as `hardware.modelName`.
    ///   - previous: the extended data stored at the last sync, or `nil` for a new device.
    public static func make(for device: AddigyDevice, classification: String, previous: JSONObject?) -> JSONObject {
        let collectedAt: JSONValue = device.auditDate.map { .string(ISO8601.string(from: $0)) } ?? .null
        var groups: [String: JSONObject] = [:]
        for group in Self.groups {
            groups[group] = JSONObject()
        }
        groups["hardware"]?["modelName"] = .string(classification)
        var stale = JSONObject()

        for field in fields {
            var value = read(field, from: device)
            if value.isNull, let error = collectionError(of: field, in: device),
                let previousValue = previous?[field.group]?[field.key], !previousValue.isNull
            {
                value = previousValue
                let previousCollectedAt = previous?["staleFacts"]?[field.path]?["collectedAt"]
                    ?? previous?["collectedAt"] ?? .null
                stale[field.path] = ["collectedAt": previousCollectedAt, "error": .string(error)]
            }
            groups[field.group]?[field.key] = value
        }

        let diskUsed = diskUsedPercent(groups["hardware"] ?? JSONObject())
        groups["hardware"]?["diskUsedPercent"] = diskUsed
        groups["system"]?["platform"] = .string(platform(of: device, classification: classification))

        var details = JSONObject()
        details["collectedAt"] = collectedAt
        for group in Self.groups {
            details[group] = .object(groups[group] ?? JSONObject())
        }
        details["staleFacts"] = .object(stale)
        return details
    }

    /// Reads a field's value from the first of its facts that has one, converted to its kind.
    static func read(_ field: Field, from device: AddigyDevice) -> JSONValue {
        for fact in field.facts {
            switch field.kind {
            case .string:
                if let text = device.string(fact) { return .string(text) }
            case .bool:
                if let flag = device.bool(fact) { return .bool(flag) }
            case .number:
                if let number = number(fact, of: device) { return .number(number) }
            case .date:
                if let date = device.date(fact) { return .string(ISO8601.string(from: date)) }
            }
        }
        return .null
    }

    /// Keeps Addigy's number text (so 242.6499072 stays exact), converting numeric strings.
    private static func number(_ fact: String, of device: AddigyDevice) -> JSONNumber? {
        guard let value = device.facts[fact]?.value else { return nil }
        if case .number(let number) = value { return number }
        return device.number(fact).flatMap { JSONNumber($0) }
    }

    /// Returns Addigy's error message for the first fact of the field that failed to collect, or
    /// `nil` when none failed and the field is simply unknown.
    private static func collectionError(of field: Field, in device: AddigyDevice) -> String? {
        field.facts.lazy.compactMap { device.facts[$0]?.errorMessage }.first
    }

    /// Returns the used share of the disk, from total and free space or else from the free percentage.
    private static func diskUsedPercent(_ hardware: JSONObject) -> JSONValue {
        if let total = hardware["diskTotalGB"]?.doubleValue, let free = hardware["diskFreeGB"]?.doubleValue,
            total > 0
        {
            return rounded((total - free) / total * 100)
        }
        if let freePercent = hardware["diskFreePercent"]?.doubleValue {
            return rounded(100 - freePercent)
        }
        return .null
    }

    private static func rounded(_ percent: Double) -> JSONValue {
        JSONNumber((min(max(percent, 0), 100) * 10).rounded() / 10).map(JSONValue.number) ?? .null
    }

    /// "macOS", "iOS", "iPadOS", "tvOS" or "unknown": the operating system family.
    static func platform(of device: AddigyDevice, classification: String) -> String {
        if device.string("mac_os_x_version") != nil || DeviceClassifier.isMac(classification) { return "macOS" }
        switch classification {
        case "iPad": return "iPadOS"
        case "iPhone", "iPod touch": return "iOS"
        case "Apple TV": return "tvOS"
        case "Apple Watch": return "watchOS"
        case "Apple Vision Pro": return "visionOS"
        default: return "unknown"
        }
    }
}
