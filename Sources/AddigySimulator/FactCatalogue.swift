import JSONCore

/// One device fact identifier the simulator serves, with its wire type.
struct FactDefinition: Sendable {
    var identifier: String
    var name: String
    /// The `type` member of the fact on the wire: string, number, boolean, list or date.
    var type: String
    /// The collector of the fact: "agent" (Macs with the Addigy agent only) or "mdm".
    var source: String
}

/// The built-in facts of generated fleets, served by `GET /o/{organization_id}/facts`.
enum FactCatalogue {
    /// The facts a device query returns when it names none.
    /// NOTE: Addigy returns "a small default set" without documenting it; these three are the
    /// defaults of a public CLI client, not a confirmed server list.
    static let defaultIdentifiers = ["serial_number", "device_name", "os_version"]

    static let facts: [FactDefinition] = [
        FactDefinition(identifier: "device_name", name: "Device Name", type: "string", source: "mdm"),
        FactDefinition(identifier: "serial_number", name: "Serial Number", type: "string", source: "mdm"),
        FactDefinition(identifier: "agentid", name: "Agent ID", type: "string", source: "agent"),
        FactDefinition(identifier: "policy_id", name: "Policy ID", type: "string", source: "agent"),
        FactDefinition(identifier: "policy_ids", name: "Policy IDs", type: "list", source: "agent"),
        FactDefinition(identifier: "hardware_model", name: "Hardware Model", type: "string", source: "mdm"),
        FactDefinition(identifier: "product_name", name: "Product Name", type: "string", source: "mdm"),
        FactDefinition(identifier: "device_model_name", name: "Device Model Name", type: "string", source: "mdm"),
        FactDefinition(identifier: "processor_type", name: "Processor Type", type: "string", source: "agent"),
        FactDefinition(identifier: "device_chip_type", name: "Device Chip Type", type: "string", source: "agent"),
        FactDefinition(identifier: "total_memory_gb", name: "Total Memory (GB)", type: "number", source: "agent"),
        FactDefinition(identifier: "total_disk_space_gb", name: "Total Disk Space (GB)", type: "number", source: "mdm"),
        FactDefinition(identifier: "free_disk_space_gb", name: "Free Disk Space (GB)", type: "number", source: "mdm"),
        FactDefinition(identifier: "free_disk_percentage", name: "Free Disk Percentage", type: "number", source: "mdm"),
        FactDefinition(identifier: "filevault_enabled", name: "FileVault Enabled", type: "boolean", source: "agent"),
        FactDefinition(identifier: "filevault_key_escrowed", name: "FileVault Key Escrowed", type: "boolean", source: "agent"),
        FactDefinition(identifier: "firewall_enabled", name: "Firewall Enabled", type: "boolean", source: "agent"),
        FactDefinition(identifier: "gatekeeper_enabled", name: "Gatekeeper Enabled", type: "boolean", source: "agent"),
        FactDefinition(identifier: "system_integrity_protection_enabled", name: "System Integrity Protection Enabled", type: "boolean", source: "agent"),
        FactDefinition(identifier: "has_mdm", name: "Has MDM", type: "boolean", source: "mdm"),
        FactDefinition(identifier: "has_mdm_profile_approved", name: "Has MDM Profile Approved", type: "boolean", source: "mdm"),
        FactDefinition(identifier: "is_supervised", name: "Is Supervised", type: "boolean", source: "mdm"),
        FactDefinition(identifier: "enrolled_via_dep", name: "Enrolled Via DEP", type: "boolean", source: "mdm"),
        FactDefinition(identifier: "mdm_last_connected", name: "MDM Last Connected", type: "date", source: "mdm"),
        FactDefinition(identifier: "local_ip", name: "Local IP", type: "string", source: "agent"),
        FactDefinition(identifier: "client_ip", name: "Client IP", type: "string", source: "agent"),
        FactDefinition(identifier: "wifi_mac_address", name: "Wifi MAC Address", type: "string", source: "mdm"),
        FactDefinition(identifier: "ethernet_mac_address", name: "Ethernet MAC Address", type: "string", source: "agent"),
        FactDefinition(identifier: "host_name", name: "Host Name", type: "string", source: "agent"),
        FactDefinition(identifier: "localhost_name", name: "LocalHost Name", type: "string", source: "agent"),
        FactDefinition(identifier: "battery_percentage", name: "Battery Percentage", type: "number", source: "mdm"),
        FactDefinition(identifier: "battery_charging", name: "Battery Charging", type: "boolean", source: "agent"),
        FactDefinition(identifier: "battery_cycles", name: "Battery Cycles", type: "number", source: "agent"),
        FactDefinition(identifier: "current_user", name: "Current User", type: "string", source: "agent"),
        FactDefinition(identifier: "os_version", name: "OS Version", type: "string", source: "mdm"),
        FactDefinition(identifier: "mac_os_x_version", name: "MAC OS X Version", type: "string", source: "agent"),
        FactDefinition(identifier: "system_version", name: "System Version", type: "string", source: "mdm"),
        FactDefinition(identifier: "build_version", name: "Build Version", type: "string", source: "mdm"),
        FactDefinition(identifier: "agent_version", name: "Agent Version", type: "string", source: "agent"),
        FactDefinition(identifier: "last_online", name: "Last Online", type: "date", source: "agent"),
        FactDefinition(identifier: "online", name: "Online", type: "boolean", source: "agent"),
        FactDefinition(identifier: "udid", name: "UDID", type: "string", source: "mdm"),
        FactDefinition(identifier: "registration_date", name: "Registration Date", type: "date", source: "mdm"),
        FactDefinition(identifier: "is_compliant", name: "Is Compliant", type: "boolean", source: "mdm"),
        FactDefinition(identifier: "warranty_expiration_date", name: "Warranty Expiration Date", type: "date", source: "mdm"),
        FactDefinition(identifier: "last_reboot_timestamp", name: "Last Reboot Timestamp", type: "number", source: "agent"),
    ]

    static let typeByIdentifier: [String: String] = Dictionary(uniqueKeysWithValues: facts.map { ($0.identifier, $0.type) })

    /// Returns the catalogue in the wire shape of `auditor_service.Fact`.
    static func jsonValue() -> JSONValue {
        .array(facts.map { fact in
            [
                "identifier": .string(fact.identifier),
                "name": .string(fact.name),
                "return_type": .string(fact.type),
                "provider": "Addigy",
                "source": .string(fact.source),
                "notes": "",
            ]
        })
    }
}
