import JSONCore

/// Data quirks that real Addigy fleets contain and that a client must survive.
struct DeviceQuirks: OptionSet, Sendable {
    let rawValue: Int

    /// `hardware_model` and `product_name` are "" and `device_model_name` is null on a Mac.
    static let emptyModel = DeviceQuirks(rawValue: 1 << 0)
    /// `hardware_model` is an identifier no Apple device has.
    static let unknownModel = DeviceQuirks(rawValue: 1 << 1)
    static let blankSerial = DeviceQuirks(rawValue: 1 << 2)
    /// The serial (and name) of the previous Mac under a new agent id, as after a re-enrolment.
    static let duplicateSerial = DeviceQuirks(rawValue: 1 << 3)
    /// Silent for 700 days or more.
    static let stale = DeviceQuirks(rawValue: 1 << 4)
    /// `policy_id` and `policy_ids` present with value null.
    static let policyNull = DeviceQuirks(rawValue: 1 << 5)
    /// `policy_id` and `policy_ids` absent.
    static let policyMissing = DeviceQuirks(rawValue: 1 << 6)
    /// `policy_id` names a policy that is not in the policy list.
    static let orphanPolicy = DeviceQuirks(rawValue: 1 << 7)
    /// `policy_ids` also names a policy from another branch of the tree.
    static let extraPolicy = DeviceQuirks(rawValue: 1 << 8)
    /// Some facts have value null and a non-empty `error_msg`.
    static let factErrors = DeviceQuirks(rawValue: 1 << 9)
    /// Some facts are absent from the item.
    static let missingFacts = DeviceQuirks(rawValue: 1 << 10)
    /// Numeric facts are floats (`16.0`, `494.38`) instead of integers.
    static let floatNumbers = DeviceQuirks(rawValue: 1 << 11)
    /// FileVault, firewall, Gatekeeper and compliance are `false`, not null.
    static let securityOff = DeviceQuirks(rawValue: 1 << 12)
}

/// The family, quirks and optional name of one device, chosen before random details.
struct DeviceSpec {
    var family: DeviceFamily
    var quirks: DeviceQuirks = []
    var name: String?
}

/// Generates a fleet from a seed: the same seed and device count always give the same fleet.
///
/// The first devices follow a fixed script so that every quirk appears in any fleet of at
/// least `scriptedDevices.count` devices. Later devices draw family and quirks at random.
struct FleetGenerator {
    static let scriptedDevices: [DeviceSpec] = [
        DeviceSpec(family: .macBookPro, quirks: [.securityOff]),
        DeviceSpec(family: .iPad, name: "Front Desk iPad"),
        DeviceSpec(family: .iPad, name: "Front Desk iPad"),
        DeviceSpec(family: .iPhone),
        DeviceSpec(family: .macBookAir, quirks: [.emptyModel]),
        DeviceSpec(family: .macMini, quirks: [.unknownModel]),
        DeviceSpec(family: .iMac, quirks: [.blankSerial]),
        DeviceSpec(family: .macBookPro, quirks: [.stale]),
        DeviceSpec(family: .macBookPro, quirks: [.duplicateSerial]),
        DeviceSpec(family: .macBookAir, quirks: [.policyNull]),
        DeviceSpec(family: .iMac, quirks: [.policyMissing]),
        DeviceSpec(family: .macBookPro, quirks: [.orphanPolicy]),
        DeviceSpec(family: .macBookPro, quirks: [.extraPolicy]),
        DeviceSpec(family: .macBookAir, quirks: [.factErrors]),
        DeviceSpec(family: .macBookPro, quirks: [.missingFacts]),
        DeviceSpec(family: .macStudio, quirks: [.floatNumbers]),
        DeviceSpec(family: .appleTV),
        DeviceSpec(family: .macPro),
        DeviceSpec(family: .iPad, quirks: [.policyMissing]),
        DeviceSpec(family: .iPhone, quirks: [.stale]),
    ]

    /// Random quirks and how often each appears among devices after the script.
    private static let randomQuirkRates: [(DeviceQuirks, Double)] = [
        (.emptyModel, 0.01), (.unknownModel, 0.003), (.blankSerial, 0.005), (.duplicateSerial, 0.005),
        (.stale, 0.04), (.policyNull, 0.01), (.policyMissing, 0.01), (.orphanPolicy, 0.005),
        (.extraPolicy, 0.03), (.factErrors, 0.02), (.missingFacts, 0.05), (.floatNumbers, 0.4),
        (.securityOff, 0.1),
    ]

    static let firstNames = ["Alex", "Jordan", "Sam", "Taylor", "Morgan", "Casey", "Jamie", "Riley", "Avery", "Quinn", "Dana", "Robin"]
    static let lastNames = ["Nguyen", "Smith", "Garcia", "Müller", "O'Brien", "Kowalski", "Tanaka", "Okafor", "Silva", "Dubois"]

    private var random: SeededGenerator
    private let referenceEpoch: Int
    let organizationId: String
    let policies: [GeneratedPolicy]
    private var deviceFactory: DeviceFactory

    init(seed: UInt64, referenceEpoch: Int) {
        var random = SeededGenerator(seed: seed)
        let organizationId = random.uuid()
        self.policies = PolicyTreeGenerator.generate(organizationId: organizationId, referenceEpoch: referenceEpoch, random: &random)
        self.organizationId = organizationId
        self.referenceEpoch = referenceEpoch
        self.deviceFactory = DeviceFactory(organizationId: organizationId, referenceEpoch: referenceEpoch, policies: policies)
        self.random = random
    }

    /// Returns `count` devices in the wire shape of `DeviceAudit`.
    mutating func generateDevices(count: Int) -> [JSONValue] {
        var devices: [JSONValue] = []
        devices.reserveCapacity(count)
        for index in 0..<count {
            let spec = index < FleetGenerator.scriptedDevices.count ? FleetGenerator.scriptedDevices[index] : randomSpec()
            devices.append(deviceFactory.makeDevice(index: index, spec: spec, random: &random))
        }
        return devices
    }

    private mutating func randomSpec() -> DeviceSpec {
        let totalWeight = DeviceFamily.allCases.reduce(0) { $0 + $1.weight }
        var roll = random.int(in: 0...(totalWeight - 1))
        var family = DeviceFamily.macBookPro
        for candidate in DeviceFamily.allCases {
            if roll < candidate.weight {
                family = candidate
                break
            }
            roll -= candidate.weight
        }

        var quirks: DeviceQuirks = []
        for (quirk, rate) in FleetGenerator.randomQuirkRates where random.chance(rate) {
            quirks.insert(quirk)
        }
        if quirks.contains(.policyNull) {
            quirks.subtract([.policyMissing, .orphanPolicy])
        }
        if quirks.contains(.policyMissing) {
            quirks.remove(.orphanPolicy)
        }
        if !family.isMac {
            quirks.subtract([.emptyModel, .unknownModel, .duplicateSerial])
        }
        return DeviceSpec(family: family, quirks: quirks)
    }
}
