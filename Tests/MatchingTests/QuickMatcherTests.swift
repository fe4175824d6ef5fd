import Testing

@testable import Matching

/// Returns the outcome for each policy, by policy id.
private func outcomes(_ companies: [MatchCompany], _ policies: [MatchPolicy], threshold: Double = 0.9) -> [String: MatchOutcome] {
    let results = QuickMatcher(companies: companies, threshold: threshold).match(policies)
    return Dictionary(uniqueKeysWithValues: results.map { ($0.policyId, $0.outcome) })
}

private func appliedCompany(_ outcome: MatchOutcome?) -> String? {
    if case .applied(let candidate) = outcome { return candidate.companyId }
    return nil
}

private func isUnmatched(_ outcome: MatchOutcome?) -> Bool {
    if case .unmatched = outcome { return true }
    return false
}

private func isSuggested(_ outcome: MatchOutcome?) -> Bool {
    if case .suggested = outcome { return true }
    return false
}

private let dentalCompanies = [
    MatchCompany(id: "c1", name: "Acme Dental Inc."),
    MatchCompany(id: "c2", name: "Riverside Construction LLC"),
    MatchCompany(id: "c3", name: "Baxter & Okafor Law Group", externalIds: ["autotask": "123"]),
    MatchCompany(id: "c4", name: "Summit Architects"),
]

@Suite struct QuickMatcherTests {
    @Test func appliesNormalizedName() {
        let result = outcomes(dentalCompanies, [MatchPolicy(id: "p", name: "ACME DENTAL - Laptops")])
        #expect(appliedCompany(result["p"]) == "c1")
    }

    @Test func reasonNamesTier() {
        let result = outcomes(dentalCompanies, [MatchPolicy(id: "p", name: "Acme Dental")])
        #expect(result["p"]?.bestCandidate?.reason == "same name after normalization ('acme dental')")
    }

    @Test func psaIdBeatsName() {
        let policy = MatchPolicy(id: "p", name: "Acme Dental", externalIds: ["autotask_account_id": "123"])
        let result = outcomes(dentalCompanies, [policy])
        #expect(appliedCompany(result["p"]) == "c3")
        #expect(result["p"]?.bestCandidate?.reason == "PSA id match (autotask 123)")
    }

    @Test func psaIdOfOtherSystemIgnored() {
        let policy = MatchPolicy(id: "p", name: "Acme Dental", externalIds: ["connectwise": "123"])
        #expect(appliedCompany(outcomes(dentalCompanies, [policy])["p"]) == "c1")
    }

    @Test func conflictingPSAIdsSuggest() {
        let companies = [
            MatchCompany(id: "a", name: "Alpha", externalIds: ["itglue": "9"]),
            MatchCompany(id: "b", name: "Beta", externalIds: ["itglue": "9"]),
        ]
        let result = outcomes(companies, [MatchPolicy(id: "p", name: "Gamma", externalIds: ["itglue": "9"])])
        #expect(isSuggested(result["p"]))
    }

    @Test func appliesTypo() {
        let result = outcomes(dentalCompanies, [MatchPolicy(id: "p", name: "Rivreside Construction")])
        #expect(appliedCompany(result["p"]) == "c2")
    }

    @Test func appliesWordOrder() {
        let result = outcomes(dentalCompanies, [MatchPolicy(id: "p", name: "Architects of Summit")])
        #expect(appliedCompany(result["p"]) == "c4")
    }

    @Test func nearTwinsSuggest() {
        // "Baxtr" is one missing letter away from both names, so neither may be applied.
        let companies = [MatchCompany(id: "a", name: "Baxter Dental"), MatchCompany(id: "b", name: "Baxtor Dental")]
        let result = outcomes(companies, [MatchPolicy(id: "p", name: "Baxtr Dental")])
        #expect(isSuggested(result["p"]))
    }

    @Test func doubledLetterTwinSuggests() {
        let companies = [MatchCompany(id: "a", name: "Hansen Dental"), MatchCompany(id: "b", name: "Hanssen Dental")]
        let result = outcomes(companies, [MatchPolicy(id: "p", name: "Hansen Dental")])
        #expect(isSuggested(result["p"]))
        #expect(result["p"]?.bestCandidate?.companyId == "a")
    }

    @Test func sameNormalizedNamesSuggest() {
        let companies = [MatchCompany(id: "a", name: "Acme Dental Inc."), MatchCompany(id: "b", name: "Acme Dental LLC")]
        let result = outcomes(companies, [MatchPolicy(id: "p", name: "Acme Dental")])
        guard case .suggested(let candidates) = result["p"] else {
            Issue.record("Expected a suggestion, got \(String(describing: result["p"]))")
            return
        }
        #expect(Set(candidates.map(\.companyId)) == ["a", "b"])
    }

    @Test func substitutionTypoSuggests() {
        let companies = [MatchCompany(id: "a", name: "Jansen Dental")]
        let result = outcomes(companies, [MatchPolicy(id: "p", name: "Jensen Dental")])
        #expect(isSuggested(result["p"]))
    }

    @Test func extraWordSuggests() {
        let result = outcomes(dentalCompanies, [MatchPolicy(id: "p", name: "Acme Dental Chicago")])
        #expect(isSuggested(result["p"]))
        #expect(result["p"]?.bestCandidate?.companyId == "c1")
    }

    @Test func thresholdIsSettable() {
        let policy = MatchPolicy(id: "p", name: "Rivreside Construction")
        #expect(isSuggested(outcomes(dentalCompanies, [policy], threshold: 0.99)["p"]))
    }

    @Test func confidenceStaysInRange() {
        let policies = ["Acme", "Acme Dental Chicago", "Baxter Law", "Zzz"].enumerated().map {
            MatchPolicy(id: "\($0.offset)", name: $0.element)
        }
        for outcome in outcomes(dentalCompanies, policies).values {
            guard case .suggested(let candidates) = outcome else { continue }
            #expect(candidates.allSatisfy { (0...1).contains($0.confidence) })
            #expect(candidates.count <= 3)
        }
    }

    @Test func deviceChildInheritsParent() {
        let policies = [
            MatchPolicy(id: "parent", name: "Acme Dental"),
            MatchPolicy(id: "child", name: "Laptops", parentId: "parent"),
        ]
        let result = outcomes(dentalCompanies, policies)
        #expect(appliedCompany(result["child"]) == "c1")
        #expect(result["child"]?.bestCandidate?.reason.hasPrefix("inherited from parent policy 'Acme Dental'") == true)
    }

    @Test func unknownChildInheritsParent() {
        let policies = [
            MatchPolicy(id: "parent", name: "Acme Dental"),
            MatchPolicy(id: "child", name: "Second Floor", parentId: "parent"),
        ]
        #expect(appliedCompany(outcomes(dentalCompanies, policies)["child"]) == "c1")
    }

    @Test func childNamingClientKeepsOwnMatch() {
        let policies = [
            MatchPolicy(id: "folder", name: "Clients"),
            MatchPolicy(id: "child", name: "Summit Architects", parentId: "folder"),
        ]
        let result = outcomes(dentalCompanies, policies)
        #expect(isUnmatched(result["folder"]))
        #expect(appliedCompany(result["child"]) == "c4")
    }

    @Test func childPointingElsewhereSuggests() {
        let policies = [
            MatchPolicy(id: "parent", name: "Acme Dental"),
            MatchPolicy(id: "child", name: "Summit Architects Denver", parentId: "parent"),
        ]
        #expect(isSuggested(outcomes(dentalCompanies, policies)["child"]))
    }

    @Test func orphanDeviceGroupUnmatched() {
        let result = outcomes(dentalCompanies, [MatchPolicy(id: "p", name: "Spare iPads")])
        #expect(isUnmatched(result["p"]))
    }

    @Test(arguments: ["Quarantine", "Staging", "Default", "Decommissioned", "MSP Internal", "New Enrollments"])
    func internalPolicyUnmatched(_ name: String) {
        #expect(isUnmatched(outcomes(dentalCompanies, [MatchPolicy(id: "p", name: name)])["p"]))
    }

    @Test(arguments: ["Summit Baxter Dental", "Riverside Okafor Architects", "Acme Construction"])
    func absentClientNotApplied(_ name: String) {
        #expect(appliedCompany(outcomes(dentalCompanies, [MatchPolicy(id: "p", name: name)])["p"]) == nil)
    }

    @Test func parentCycleTreatedAsRoot() {
        let policies = [
            MatchPolicy(id: "a", name: "Laptops", parentId: "b"),
            MatchPolicy(id: "b", name: "Kiosks", parentId: "a"),
            MatchPolicy(id: "c", name: "Acme Dental", parentId: "missing"),
        ]
        let result = outcomes(dentalCompanies, policies)
        #expect(isUnmatched(result["a"]))
        #expect(isUnmatched(result["b"]))
        #expect(appliedCompany(result["c"]) == "c1")
    }

    @Test func keepsInputOrder() {
        let policies = (0..<20).map { MatchPolicy(id: "p\($0)", name: $0 % 2 == 0 ? "Acme Dental" : "Default") }
        let results = QuickMatcher(companies: dentalCompanies).match(policies)
        #expect(results.map(\.policyId) == policies.map(\.id))
    }

    @Test func emptyInventoryLeavesUnmatched() {
        let results = QuickMatcher(companies: []).match([MatchPolicy(id: "p", name: "Acme Dental")])
        #expect(isUnmatched(results.first?.outcome))
    }

    @Test func syntheticSetIsPrecise() {
        let set = SyntheticSet.generate(companyCount: 150, policyCount: 150, seed: 7)
        let report = Evaluation.run(set)
        #expect(report.appliedPrecision == 1.0)
        #expect(report.appliedRecall >= 0.9)
    }
}
