import JSONCore

/// Builds one generated device with the full fact set the inventory reads.
///
/// iPhones, iPads and Apple TVs are MDM-only: facts that only the Addigy agent collects
/// (online, last_online, agent_version, current_user, IP addresses, memory, processor,
/// FileVault, firewall, Gatekeeper, mac_os_x_version) are present with value null.
struct DeviceFactory {
    private let organizationId: String
    private let referenceEpoch: Int
    private let policies: [GeneratedPolicy]
    private var previousMac: (serial: String, name: String)?

    init(organizationId: String, referenceEpoch: Int, policies: [GeneratedPolicy]) {
        self.organizationId = organizationId
        self.referenceEpoch = referenceEpoch
        self.policies = policies
    }

    mutating func makeDevice(index: Int, spec: DeviceSpec, random: inout SeededGenerator) -> JSONValue {
        let family = spec.family
        let quirks = spec.quirks
        let agentId = random.uuid()
        let model = random.pick(DeviceModelCatalogue.models(of: family))
        let release = random.pick(OSRelease.releases(for: family))
        let clientIndex = random.int(in: 0...(PolicyTreeGenerator.clientNames.count - 1))
        let policy = random.pick(PolicyTreeGenerator.candidates(for: family, clientIndex: clientIndex, in: policies))
        // Cycle through 0, 1 and 3 fraction digits so every fleet has all three spellings.
        let fractionDigits = [0, 1, 3][index % 3]
        let useFloats = quirks.contains(.floatNumbers)

        var name = spec.name ?? makeName(family: family, clientIndex: clientIndex, random: &random)
        var serial = makeSerial(model: model, random: &random)
        if quirks.contains(.duplicateSerial), let previous = previousMac {
            serial = previous.serial
            name = previous.name
        }
        if quirks.contains(.blankSerial) {
            serial = ""
        }
        if family.isMac && !quirks.contains(.blankSerial) {
            previousMac = (serial, name)
        }

        let lastSeen: Int
        if quirks.contains(.stale) {
            lastSeen = referenceEpoch - random.int(in: 700...1_500) * 86_400 - random.int(in: 0...86_399)
        } else if random.chance(0.4) {
            lastSeen = referenceEpoch - random.int(in: 0...300)
        } else {
            lastSeen = referenceEpoch - random.int(in: 600...(30 * 86_400))
        }
        let registered = lastSeen - random.int(in: 30...1_200) * 86_400
        func date(_ epoch: Int) -> JSONValue {
            .string(WireDate.string(epochSeconds: epoch, milliseconds: random.int(in: 0...999), fractionDigits: fractionDigits))
        }
        func number(_ integer: Int, fraction: Int) -> JSONValue {
            useFloats ? .number(JSONNumber(uncheckedText: "\(integer).\(fraction)")) : .number(JSONNumber(integer))
        }
        func triState(_ trueRate: Double, nullRate: Double) -> JSONValue {
            let roll = random.nextFraction()
            if roll < nullRate { return .null }
            return .bool(roll < nullRate + trueRate)
        }

        var facts = FactList()
        facts.add("device_name", .string(name))
        facts.add("serial_number", .string(serial))
        facts.add("agentid", .string(agentId))
        addPolicyFacts(to: &facts, policy: policy, quirks: quirks, random: &random)

        let modelIdentifier = quirks.contains(.unknownModel) ? DeviceModelCatalogue.unknownIdentifier : model.identifier
        let modelIsEmpty = quirks.contains(.emptyModel)
        facts.add("hardware_model", .string(modelIsEmpty ? "" : modelIdentifier))
        facts.add("product_name", .string(modelIsEmpty ? "" : modelIdentifier))
        facts.add("device_model_name", modelIsEmpty ? .null : .string(family.rawValue))
        facts.add("processor_type", model.processor.map(JSONValue.string) ?? .null)
        facts.add("device_chip_type", model.chip.map(JSONValue.string) ?? .null)
        facts.add("total_memory_gb", family.isMac ? number(random.pick(model.memoryChoices), fraction: 0) : .null)

        let diskGigabytes = random.pick(model.diskChoices) - random.int(in: 2...18)
        let freeGigabytes = diskGigabytes * random.int(in: 3...85) / 100
        facts.add("total_disk_space_gb", number(diskGigabytes, fraction: random.int(in: 1...99)))
        facts.add("free_disk_space_gb", number(freeGigabytes, fraction: random.int(in: 1...99)))
        facts.add("free_disk_percentage", number(freeGigabytes * 100 / max(diskGigabytes, 1), fraction: random.int(in: 1...9)))

        let securityOff = quirks.contains(.securityOff)
        if family.isMac {
            facts.add("filevault_enabled", securityOff ? false : triState(0.8, nullRate: 0.05))
            facts.add("filevault_key_escrowed", securityOff ? false : triState(0.75, nullRate: 0.05))
            facts.add("firewall_enabled", securityOff ? false : triState(0.6, nullRate: 0.05))
            facts.add("gatekeeper_enabled", securityOff ? false : triState(0.9, nullRate: 0.02))
            facts.add("system_integrity_protection_enabled", triState(0.95, nullRate: 0))
        } else {
            for identifier in ["filevault_enabled", "filevault_key_escrowed", "firewall_enabled", "gatekeeper_enabled"] {
                facts.add(identifier, .null)
            }
            facts.add("system_integrity_protection_enabled", false)
        }

        let hasMDM = family.isMac ? random.chance(0.9) : true
        let viaDEP = random.chance(0.6)
        facts.add("has_mdm", .bool(hasMDM))
        facts.add("has_mdm_profile_approved", hasMDM ? triState(0.9, nullRate: 0.02) : false)
        facts.add("is_supervised", .bool(viaDEP || (!family.isMac && random.chance(0.5))))
        facts.add("enrolled_via_dep", .bool(viaDEP))
        facts.add("mdm_last_connected", hasMDM ? date(lastSeen - random.int(in: 0...3_600)) : .null)

        if family.isMac {
            facts.add("local_ip", .string("192.168.\(random.int(in: 1...20)).\(random.int(in: 2...254))"))
            facts.add("client_ip", .string("203.0.113.\(random.int(in: 1...254))"))
        } else {
            facts.add("local_ip", .null)
            facts.add("client_ip", .null)
        }
        facts.add("wifi_mac_address", .string(makeMACAddress(random: &random)))
        let hasEthernet = family.isMac && !family.isLaptop || family == .appleTV
        facts.add("ethernet_mac_address", hasEthernet ? .string(makeMACAddress(random: &random)) : .null)
        let localHostName = family.isMac ? makeLocalHostName(name) : ""
        facts.add("host_name", family.isMac && random.chance(0.2) ? .string(localHostName + ".local") : .null)
        facts.add("localhost_name", .string(localHostName))

        if family.hasBattery {
            facts.add("battery_percentage", number(random.int(in: 5...99), fraction: random.int(in: 1...9)))
            facts.add("battery_charging", family.isLaptop ? triState(0.4, nullRate: 0) : triState(0.3, nullRate: 0.1))
            facts.add("battery_cycles", family.isLaptop ? .number(JSONNumber(random.int(in: 1...1_200))) : .null)
        } else {
            facts.add("battery_percentage", .null)
            facts.add("battery_charging", .null)
            facts.add("battery_cycles", .null)
        }

        let firstName = random.pick(FleetGenerator.firstNames)
        let lastName = random.pick(FleetGenerator.lastNames)
        let userName = random.chance(0.05) ? "" : (String(firstName.prefix(1)) + lastName).lowercased().filter { $0.isLetter }
        facts.add("current_user", family.isMac ? .string(userName) : .null)
        facts.add("os_version", .string(release.version))
        facts.add("mac_os_x_version", family.isMac ? .string(release.version) : .null)
        facts.add("system_version", .string(release.systemVersion))
        facts.add("build_version", .string(release.build))
        facts.add("agent_version", family.isMac ? .string(random.pick(["0.02.022", "1.0.241", "1.0.312"])) : .null)
        facts.add("last_online", family.isMac ? date(lastSeen) : .null)
        facts.add("online", family.isMac ? .bool(lastSeen >= referenceEpoch - 300) : .null)
        facts.add("udid", .string(family.isMac ? random.uuid().uppercased() : "00008101-" + random.hex(16).uppercased()))
        facts.add("registration_date", date(registered))
        facts.add("is_compliant", securityOff ? false : triState(0.6, nullRate: 0.1))
        let warrantyEnd = (registered / 86_400 + random.pick([365, 1_095])) * 86_400
        facts.add("warranty_expiration_date", .string(WireDate.string(epochSeconds: warrantyEnd)))
        facts.add("last_reboot_timestamp", family.isMac ? .number(JSONNumber(lastSeen - random.int(in: 3_600...(20 * 86_400)))) : .null)

        if quirks.contains(.factErrors) {
            facts.fail("warranty_expiration_date", "Warranty lookup failed: Apple returned no coverage record for this serial number.")
            facts.fail("filevault_key_escrowed", "Failed to read the FileVault escrow status: fdesetup timed out.")
        }
        if quirks.contains(.missingFacts) {
            for identifier in ["battery_cycles", "warranty_expiration_date", "host_name", "udid", "build_version"] {
                facts.remove(identifier)
            }
        }

        var item = JSONObject()
        item.append("agentid", .string(agentId))
        item.append("orgid", .string(organizationId))
        item.append("audit_date", date(lastSeen))
        item.append("agent_audit_date", family.isMac ? date(lastSeen - random.int(in: 0...120)) : "")
        item.append("facts", .object(facts.jsonObject()))
        return .object(item)
    }

    private func addPolicyFacts(to facts: inout FactList, policy: GeneratedPolicy, quirks: DeviceQuirks, random: inout SeededGenerator) {
        if quirks.contains(.policyMissing) { return }
        if quirks.contains(.policyNull) {
            facts.add("policy_id", .null)
            facts.add("policy_ids", .null)
            return
        }
        if quirks.contains(.orphanPolicy) {
            let orphan = random.uuid()
            facts.add("policy_id", .string(orphan))
            facts.add("policy_ids", [.string(orphan)])
            return
        }
        var ids = policy.path
        if quirks.contains(.extraPolicy) {
            let others = policies.filter { $0.clientIndex == policy.clientIndex && !ids.contains($0.id) }
            if let extra = others.isEmpty ? nil : random.pick(others) {
                ids.append(extra.id)
            }
        }
        facts.add("policy_id", .string(policy.id))
        facts.add("policy_ids", .array(ids.map(JSONValue.string)))
    }

    private func makeName(family: DeviceFamily, clientIndex: Int, random: inout SeededGenerator) -> String {
        let first = random.pick(FleetGenerator.firstNames)
        let last = random.pick(FleetGenerator.lastNames)
        switch family {
        case .iPad:
            return random.pick(["Front Desk iPad", "Reception iPad", "Conference Room iPad", "Kiosk iPad", "\(first)’s iPad"])
        case .iPhone:
            return random.chance(0.5) ? "\(first)’s iPhone" : "\(first) \(last)’s iPhone"
        case .appleTV:
            return random.pick(["Conference Room TV", "Lobby Apple TV", "Boardroom Apple TV"])
        default:
            if random.chance(0.5) {
                return "\(first) \(last)’s \(family.rawValue)"
            }
            let tag = PolicyTreeGenerator.clientTags[clientIndex]
            let number = String(random.int(in: 1...999))
            return "\(tag)-\(family.nameTag)-" + String(repeating: "0", count: 3 - number.count) + number
        }
    }

    private func makeSerial(model: DeviceModel, random: inout SeededGenerator) -> String {
        let alphabet = Array("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789")
        let isIntelMac = model.chip == "Intel"
        var serial = isIntelMac ? "C02" : ""
        for _ in 0..<(isIntelMac ? 9 : 10) {
            serial.append(random.pick(alphabet))
        }
        return serial
    }

    private func makeMACAddress(random: inout SeededGenerator) -> String {
        let hex = random.hex(12)
        var parts: [Substring] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            parts.append(hex[index..<next])
            index = next
        }
        return parts.joined(separator: ":")
    }

    /// Returns the Bonjour name macOS derives from a device name: letters and digits, with
    /// every other run of characters turned into one hyphen.
    private func makeLocalHostName(_ name: String) -> String {
        var result = ""
        var pendingHyphen = false
        for character in name where character != "’" && character != "'" {
            if character.isASCII && (character.isLetter || character.isNumber) {
                if pendingHyphen && !result.isEmpty { result.append("-") }
                pendingHyphen = false
                result.append(character)
            } else {
                pendingHyphen = true
            }
        }
        return result
    }
}

/// The facts of one device in insertion order, each with its wire type and error message.
struct FactList {
    private var entries: [(identifier: String, value: JSONValue, errorMessage: String)] = []

    mutating func add(_ identifier: String, _ value: JSONValue) {
        entries.append((identifier, value, ""))
    }

    /// Sets the fact's value to null with `message` as its `error_msg`, as when collection failed.
    mutating func fail(_ identifier: String, _ message: String) {
        guard let index = entries.firstIndex(where: { $0.identifier == identifier }) else { return }
        entries[index].value = .null
        entries[index].errorMessage = message
    }

    mutating func remove(_ identifier: String) {
        entries.removeAll { $0.identifier == identifier }
    }

    func jsonObject() -> JSONObject {
        JSONObject(entries.map { entry in
            let type = FactCatalogue.typeByIdentifier[entry.identifier] ?? "string"
            let fact = JSONObject([("type", .string(type)), ("value", entry.value), ("error_msg", .string(entry.errorMessage))])
            return (key: entry.identifier, value: .object(fact))
        })
    }
}
