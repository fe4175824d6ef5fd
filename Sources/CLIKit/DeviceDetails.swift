import JSONCore

/// The text of `devices show`: the device record, then its extended data by group with units.
enum DeviceDetails {
    /// The groups of extended data in display order, with a label for each known field.
    /// Fields the daemon adds later are shown too, labelled from their key.
    static let groups: [(key: String, title: String, labels: [(String, String)])] = [
        ("hardware", "Hardware", [
            ("modelName", "Model"), ("modelIdentifier", "Model identifier"), ("processor", "Processor"), ("chip", "Chip"),
            ("memoryGB", "Memory"), ("diskTotalGB", "Disk total"), ("diskFreeGB", "Disk free"),
            ("diskFreePercent", "Disk free percent"), ("diskUsedPercent", "Disk used"),
        ]),
        ("security", "Security", [
            ("fileVaultEnabled", "FileVault"), ("fileVaultKeyEscrowed", "FileVault key escrowed"),
            ("firewallEnabled", "Firewall"), ("gatekeeperEnabled", "Gatekeeper"),
            ("systemIntegrityProtectionEnabled", "System Integrity Protection"), ("mdmEnrolled", "MDM enrolled"),
            ("mdmProfileApproved", "MDM profile approved"), ("supervised", "Supervised"), ("enrolledViaDEP", "Enrolled via DEP"),
        ]),
        ("network", "Network", [
            ("hostname", "Hostname"), ("lanIP", "LAN IP"), ("wanIP", "WAN IP"), ("wifiMAC", "Wi-Fi MAC"),
            ("ethernetMAC", "Ethernet MAC"),
        ]),
        ("battery", "Battery", [("percent", "Charge"), ("charging", "Charging"), ("cycleCount", "Cycle count")]),
        ("user", "User", [("currentUser", "Current user"), ("email", "Email")]),
        ("system", "System", [
            ("osVersion", "OS version"), ("systemVersion", "System version"), ("buildVersion", "Build"),
            ("agentVersion", "Agent version"), ("lastSeenAt", "Last seen"), ("online", "Online"), ("udid", "UDID"),
            ("registeredAt", "Registered"), ("warrantyExpiresAt", "Warranty expires"), ("platform", "Platform"),
        ]),
    ]

    /// Facts shown in brackets after another fact of the same group instead of on a line of their own.
    static let appended = ["diskFreePercent": "diskFreeGB"]

    static func render(_ device: JSONValue) -> String {
        var text = "\(Format.text(device["name"]))\n"
        let source = device["source"] ?? .null
        let locked = device["lockedFields"]?.elements ?? []
        text += keyValueLines([
            ("Device ID", Format.text(device["deviceId"])),
            ("Company", Format.text(device["companyName"])),
            ("Asset type", Format.text(device["assetTypeName"])),
            ("Device type", Format.text(device["deviceType"])),
            ("Manufacturer", Format.text(device["manufacturer"])),
            ("Model", Format.text(device["model"])),
            ("Serial number", Format.text(device["serialNumber"])),
            ("Notes", Format.text(device["notes"])),
            ("Locked fields", locked.isEmpty ? "none" : Format.text(device["lockedFields"])),
            ("Source", source.isNull ? "none (its integration was deleted)"
                : "integration \(Format.text(source["integrationId"])), agent \(Format.text(source["agentId"]))"),
            ("Last synced", Format.timestamp(source["lastSyncedAt"])),
            ("Facts collected", Format.timestamp(device["collectedAt"])),
        ])

        let stale = device["staleFacts"]?.objectValue ?? [:]
        for group in groups {
            text += "\n\(group.title)\n"
            guard let values = device[group.key]?.objectValue else {
                text += "  No data yet: it arrives with the next device sync.\n"
                continue
            }
            var pairs: [(String, String)] = []
            let known = Set(group.labels.map(\.0))
            let keys = group.labels.map(\.0).filter { values.contains($0) } + values.keys.filter { !known.contains($0) }
            for key in keys {
                if let host = appended[key], values[host].map({ !$0.isNull }) == true {
                    continue
                }
                let label = group.labels.first(where: { $0.0 == key })?.1 ?? Format.words(key).capitalizedFirst
                var value = format(values[key], key: key) + staleNote(stale["\(group.key).\(key)"])
                if let guest = appended.first(where: { $0.value == key })?.key, let extra = values[guest], !extra.isNull {
                    value += " (\(format(extra, key: guest))\(staleNote(stale["\(group.key).\(guest)"])))"
                }
                pairs.append((label, value))
            }
            text += keyValueLines(pairs)
        }
        return text
    }

    /// Describes a fact that failed to collect at the last sync; returns "" for a fresh fact.
    static func staleNote(_ fact: JSONValue?) -> String {
        guard let fact else { return "" }
        return " (stale: collected \(Format.timestamp(fact["collectedAt"])); \(Format.text(fact["error"])))"
    }

    /// Formats a fact with the unit its key names: `...GB`, `...Percent`, `percent`, `cycleCount`, `...At`.
    static func format(_ value: JSONValue?, key: String) -> String {
        guard let value, !value.isNull else { return "unknown" }
        if let flag = value.boolValue {
            if key.hasSuffix("Enabled") {
                return flag ? "on" : "off"
            }
            return flag ? "yes" : "no"
        }
        let text = Format.text(value)
        if key.hasSuffix("GB") {
            return "\(text) GB"
        }
        if key.hasSuffix("Percent") || key == "percent" {
            return "\(text) %"
        }
        if key == "cycleCount" {
            return "\(text) cycles"
        }
        if key.hasSuffix("At") {
            return Format.timestamp(value)
        }
        return text
    }
}

extension String {
    /// The string with its first character in upper case.
    var capitalizedFirst: String {
        prefix(1).uppercased() + dropFirst()
    }
}
