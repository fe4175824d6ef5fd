import JSONCore

/// A generated policy and where it sits in the tree.
struct GeneratedPolicy: Sendable {
    var id: String
    var name: String
    var clientIndex: Int
    /// The policy ids from the client's root down to this policy, inclusive.
    var path: [String]
    var json: JSONValue
}

/// Builds the policy tree of a generated fleet: one top-level policy per client organisation,
/// with children such as "Laptops" and grandchildren such as "Engineering" (three levels).
///
/// Root policies spell "no parent" three ways, cycling through `"parent": null`, `"parent": ""`
/// and no `parent` member, because Addigy's data and its clients disagree on the spelling.
enum PolicyTreeGenerator {
    static let clientNames = ["Acme Corp", "Globex Design", "Initech", "Umbrella Health", "Stark Studio", "Wayne Logistics"]
    static let clientTags = ["ACME", "GLOBEX", "INITECH", "UMBRELLA", "STARK", "WAYNE"]

    /// The tree under each client root: child name, icon and grandchild names.
    private static let layout: [(name: String, icon: String, children: [String])] = [
        ("Laptops", "fa fa-laptop", ["Engineering", "Sales"]),
        ("Desktops", "fa fa-desktop", ["Studio"]),
        ("iPads", "fa fa-tablet", ["Kiosks"]),
        ("iPhones", "fa fa-mobile", []),
        ("Apple TVs", "fa fa-television", []),
    ]

    /// Returns the policies in tree order (each root followed by its descendants).
    static func generate(organizationId: String, referenceEpoch: Int, random: inout SeededGenerator) -> [GeneratedPolicy] {
        var policies: [GeneratedPolicy] = []
        for (clientIndex, clientName) in clientNames.enumerated() {
            let root = makePolicy(
                name: clientName, parentPath: [], clientIndex: clientIndex, icon: "fa fa-university",
                organizationId: organizationId, referenceEpoch: referenceEpoch, random: &random
            )
            policies.append(root)
            for branch in layout {
                let child = makePolicy(
                    name: branch.name, parentPath: root.path, clientIndex: clientIndex, icon: branch.icon,
                    organizationId: organizationId, referenceEpoch: referenceEpoch, random: &random
                )
                policies.append(child)
                for grandchildName in branch.children {
                    policies.append(makePolicy(
                        name: grandchildName, parentPath: child.path, clientIndex: clientIndex, icon: branch.icon,
                        organizationId: organizationId, referenceEpoch: referenceEpoch, random: &random
                    ))
                }
            }
        }
        return policies
    }

    private static func makePolicy(
        name: String,
        parentPath: [String],
        clientIndex: Int,
        icon: String,
        organizationId: String,
        referenceEpoch: Int,
        random: inout SeededGenerator
    ) -> GeneratedPolicy {
        let id = random.uuid()
        let created = referenceEpoch - random.int(in: 200...1_500) * 86_400 + random.int(in: 0...86_399)
        let deployed = referenceEpoch - random.int(in: 1...120) * 86_400

        var object = JSONObject()
        object.append("policyId", .string(id))
        object.append("name", .string(name))
        if let parent = parentPath.last {
            object.append("parent", .string(parent))
        } else {
            switch clientIndex % 3 {
            case 0: object.append("parent", .null)
            case 1: object.append("parent", "")
            default: break
            }
        }
        object.append("orgid", .string(organizationId))
        object.append("color", .string("#" + random.hex(6)))
        object.append("icon", .string(icon))
        // Recorded Addigy responses carry creation_time as a float even without a fraction (1635863715.0).
        object.append("creation_time", .number(JSONNumber(uncheckedText: "\(created).0")))
        object.append("last_deployed", .string(WireDate.string(epochSeconds: deployed)))
        object.append("agent_version", "")
        object.append("download_path", .string("https://prod.addigy.com/download/addigy_agent/\(organizationId)/\(id)"))
        object.append("instructions", [])
        object.append("ignore_updates", .bool(random.chance(0.1)))

        return GeneratedPolicy(id: id, name: name, clientIndex: clientIndex, path: parentPath + [id], json: .object(object))
    }

    /// Returns the policies a device of `family` may be placed in for one client.
    static func candidates(for family: DeviceFamily, clientIndex: Int, in policies: [GeneratedPolicy]) -> [GeneratedPolicy] {
        let names: [String]
        switch family {
        case .macBookPro, .macBookAir: names = ["Laptops", "Engineering", "Sales"]
        case .iMac, .macMini, .macStudio, .macPro: names = ["Desktops", "Studio"]
        case .iPad: names = ["iPads", "Kiosks"]
        case .iPhone: names = ["iPhones"]
        case .appleTV: names = ["Apple TVs", clientNames[clientIndex]]
        }
        return policies.filter { $0.clientIndex == clientIndex && names.contains($0.name) }
    }
}
