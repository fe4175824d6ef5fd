import Foundation

/// A SplitMix64 pseudo-random generator, so that a seed always gives the same synthetic set.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}

/// Generates labeled company and policy names for benchmarks and tests.
///
/// Company names combine surnames, place names and trades, with a legal form on some. Policies
/// vary them the way MSPs do (device-group suffixes, other legal forms, letter case, punctuation,
/// "&" against "and", one typo, word order, path folders, transliteration and child policies)
/// and add internal policies and clients missing from the inventory, which must stay unmatched.
///
/// NOTE: the output is stable for a seed with one Swift version, but `Int.random(in:using:)` may map
/// random bits differently in another.
public enum SyntheticSet {
    /// Generates `companyCount` distinct companies and `policyCount` policies from `seed`.
    public static func generate(companyCount: Int, policyCount: Int, seed: UInt64) -> EvaluationSet {
        var random = SeededGenerator(seed: seed)
        let companies = makeCompanies(count: companyCount, random: &random)
        let companyKeys = Set(companies.map { NameNormalizer.normalize($0.fullName) })

        var policies: [EvaluationSet.Policy] = []
        var parentNames: Set<String> = []
        while policies.count < policyCount {
            let roll = Int.random(in: 0..<100, using: &random)
            if companies.isEmpty || roll < 8 {
                let name = internalPolicyNames.randomElement(using: &random)!
                policies.append(.init(name: name, parentName: nil, companyName: nil, kind: "internal"))
                continue
            }
            if roll < 16 {
                let name = absentClientName(avoiding: companyKeys, random: &random)
                policies.append(.init(name: name, parentName: nil, companyName: nil, kind: "not_in_inventory"))
                continue
            }
            let company = companies.randomElement(using: &random)!
            if roll < 26 {
                // A top-level policy with one device-group child, as most clients have.
                let parent = company.baseName
                if parentNames.insert(parent).inserted {
                    policies.append(.init(name: parent, parentName: nil, companyName: company.fullName, kind: "parent_policy"))
                }
                let child = childPolicyNames.randomElement(using: &random)!
                policies.append(.init(name: child, parentName: parent, companyName: company.fullName, kind: "child_policy"))
                continue
            }
            let (name, kind) = vary(company, random: &random)
            policies.append(.init(name: name, parentName: nil, companyName: company.fullName, kind: kind))
        }
        return EvaluationSet(companies: companies.map(\.fullName), policies: Array(policies.prefix(policyCount)))
    }

    // MARK: - Companies

    struct Company {
        /// The owner part: one or two surnames or a place ("Abbott & Ingram", "Riverside").
        let owner: String
        let trade: String
        let legalForm: String?

        var baseName: String { "\(owner) \(trade)" }
        var fullName: String { legalForm.map { "\(baseName) \($0)" } ?? baseName }
    }

    private static func makeCompanies(count: Int, random: inout SeededGenerator) -> [Company] {
        var companies: [Company] = []
        var keys: Set<String> = []
        var attempts = 0
        while companies.count < count, attempts < count * 50 {
            attempts += 1
            let owner: String
            switch Int.random(in: 0..<100, using: &random) {
            case 0..<40: owner = surnames.randomElement(using: &random)!
            case 40..<70:
                owner = "\(surnames.randomElement(using: &random)!) & \(surnames.randomElement(using: &random)!)"
            case 70..<90: owner = places.randomElement(using: &random)!
            default: owner = "\(places.randomElement(using: &random)!) \(surnames.randomElement(using: &random)!)"
            }
            let legalForm = Bool.random(using: &random) ? legalForms.randomElement(using: &random) : nil
            let company = Company(owner: owner, trade: trades.randomElement(using: &random)!, legalForm: legalForm)
            // Companies with the same words after normalization, in any order, would be ambiguous
            // by design, so keep one of them.
            let words = NameNormalizer.analyze(company.fullName).keyWords.sorted().joined(separator: " ")
            if keys.insert(words).inserted {
                companies.append(company)
            }
        }
        return companies
    }

    private static func absentClientName(avoiding keys: Set<String>, random: inout SeededGenerator) -> String {
        while true {
            let name = "\(places.randomElement(using: &random)!) \(surnames.randomElement(using: &random)!) \(trades.randomElement(using: &random)!)"
            if !keys.contains(NameNormalizer.normalize(name)) { return name }
        }
    }

    // MARK: - Policy variations

    private static func vary(_ company: Company, random: inout SeededGenerator) -> (String, String) {
        let base = company.baseName
        switch Int.random(in: 0..<11, using: &random) {
        case 0:
            return (base + deviceSuffixes.randomElement(using: &random)!, "device_suffix")
        case 1:
            let form = legalForms.randomElement(using: &random)!
            return (Bool.random(using: &random) ? base : "\(base), \(form)", "legal_suffix")
        case 2:
            return (Bool.random(using: &random) ? company.fullName.uppercased() : company.fullName.lowercased(), "exact_case")
        case 3:
            let joined = base.replacingOccurrences(of: " & ", with: "-+-").replacingOccurrences(of: " ", with: "-")
            return (Bool.random(using: &random) ? joined : base + ".", "punctuation")
        case 4 where base.contains(" & "):
            return (base.replacingOccurrences(of: " & ", with: " and "), "and_ampersand")
        case 5 where !company.owner.contains(" "):
            let name = Bool.random(using: &random) ? "\(company.trade) - \(company.owner)" : "\(company.trade) of \(company.owner)"
            return (name, "word_order")
        case 6:
            return (pathPrefixes.randomElement(using: &random)! + base, "path_prefix")
        case 7 where transliterated(base) != base:
            return (transliterated(base), "transliteration")
        case 8, 9:
            if let typo = withTypo(base, random: &random) { return (typo, "typo") }
            return (base, "parent_policy")
        default:
            return (base, "parent_policy")
        }
    }

    /// Makes one typing slip in a word of at least six letters: a doubled letter, a dropped
    /// doubled letter or two swapped neighbors.
    private static func withTypo(_ name: String, random: inout SeededGenerator) -> String? {
        var words = name.split(separator: " ").map(String.init)
        let long = words.indices.filter { words[$0].count >= 6 }
        guard let position = long.randomElement(using: &random) else { return nil }
        var letters = Array(words[position])
        let at = Int.random(in: 1..<(letters.count - 2), using: &random)
        switch Int.random(in: 0..<3, using: &random) {
        case 0:
            letters.insert(letters[at], at: at)
        case 1:
            if let doubled = (1..<letters.count).first(where: { letters[$0] == letters[$0 - 1] }) {
                letters.remove(at: doubled)
            } else {
                letters.insert(letters[at], at: at)
            }
        default:
            if letters[at] == letters[at + 1] { return nil }
            letters.swapAt(at, at + 1)
        }
        words[position] = String(letters)
        return words.joined(separator: " ")
    }

    private static func transliterated(_ name: String) -> String {
        let german: [Character: String] = ["ü": "ue", "ö": "oe", "ä": "ae", "ß": "ss"]
        let plain: [Character: String] = ["é": "e", "è": "e", "á": "a", "í": "i", "ó": "o", "ñ": "n", "ř": "r", "å": "a", "ø": "o"]
        return name.map { german[$0] ?? plain[$0] ?? String($0) }.joined()
    }

    // MARK: - Word lists

    private static let surnames = [
        "Abbott", "Baxter", "Caldwell", "Delacroix", "Donovan", "Ellison", "Fairbanks", "Gallagher", "Hollis",
        "Ingram", "Jameson", "Kessler", "Kowalski", "Lindqvist", "Marlowe", "McAllister", "Nakamura", "Okafor",
        "Pemberton", "Quintero", "Rasmussen", "Sato", "Thornton", "Underwood", "Vasquez", "Whitaker", "Yamamoto",
        "Zielinski", "Müller", "Jönsson", "Schröder", "García", "Núñez", "Lefèvre", "Dvořák", "Håkansson",
        "O'Brien", "Van der Berg", "Fitzgerald", "Henderson", "Morrison", "Patterson", "Richardson", "Sullivan",
        "Townsend", "Wellington", "Ashford", "Blackwood", "Carrington", "Dunmore", "Everett", "Farrow",
        "Greenberg", "Hargrove", "Iverson", "Jennings", "Kingsley", "Lockhart", "Montgomery", "Northcott",
        "Osborne", "Prescott", "Radcliffe", "Sheridan", "Tennyson", "Vaughn", "Winslow", "Yardley", "Becker",
        "Fischer", "Hoffmann", "Schneider", "Weber", "Novak", "Petrov", "Rossi", "Moreau", "Lambert", "Haddad",
        "Tanaka", "Kimura", "Chandra", "Mehta", "Okonkwo", "Adeyemi", "Lindgren", "Nyström", "Berglund",
    ]

    private static let places = [
        "Arlington", "Bluewater", "Cedar Ridge", "Clearview", "Dover", "Fairview", "Franklin", "Granite", "Harbor",
        "Maple Leaf", "Northstar", "Oakmont", "Pinecrest", "Riverside", "Salem", "Silverline", "Springfield",
        "Stonegate", "Summit", "Sunrise", "Westfield", "Lakeshore", "Highland", "Brookside", "Redwood", "Ironwood",
        "Eastgate", "Lakeview", "Meadowbrook", "Rosewood", "Hillcrest", "Bayside", "Crescent", "Evergreen",
        "Foxhill", "Golden Gate", "Kingsbridge", "Millbrook", "Newport", "Oceanside", "Parkside", "Ridgeway",
        "Sandpoint", "Thornbury", "Valley Forge", "Willowbrook",
    ]

    private static let trades = [
        "Accounting", "Architects", "Consulting", "Construction", "Dental", "Design Studio", "Engineering",
        "Family Practice", "Financial Advisors", "Insurance", "Law", "Logistics", "Marketing",
        "Orthodontics", "Pediatrics", "Property Management", "Realty", "Staffing", "Veterinary Clinic",
        "Capital Partners", "Chiropractic", "Dermatology", "Landscaping", "Plumbing", "Electric", "Roofing",
        "Physical Therapy", "Optometry", "Media", "Software", "Brewing", "Bakery", "Auto Repair", "Printing",
        "Tax Services", "Wealth Management", "Title Company", "Home Health", "Animal Hospital",
    ]

    private static let legalForms = [
        "Inc.", "LLC", "Ltd", "Corp.", "Corporation", "Co.", "GmbH", "AG", "PLLC", "LLP", "Group", "S.A.", "B.V.",
        "Pty Ltd", "S.r.l.", "AB", "Oy",
    ]

    private static let deviceSuffixes = [
        " - Laptops", " (Staff)", " | Workstations", " - Macs", " Devices", " - iPads", " Fleet", " - Front Desk",
        " - Exec", " - Onboarding", " - MacBooks", " (Kiosks)", " / Desktops", " - Loaners",
    ]

    private static let childPolicyNames = [
        "Laptops", "Kiosks", "iPads", "Front Desk", "Remote Staff", "Executives", "Desktops", "Loaners", "Servers",
        "Staff", "BYOD",
    ]

    private static let pathPrefixes = ["Clients/", "Customers - ", "MSP > ", "MSP > Clients > ", "[Managed] ", "Clients | "]

    private static let internalPolicyNames = [
        "Quarantine", "Test Devices", "Staging", "Default", "Decommissioned", "Lab Macs", "Spare iPads", "Loaner Pool",
        "New Enrollments", "MSP Internal", "Zero Touch - Unassigned", "Beta Testers",
    ]
}
