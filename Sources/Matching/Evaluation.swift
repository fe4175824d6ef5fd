/// A labeled set of company and policy names for measuring Quick Match.
///
/// Companies and policies are referred to by name, as in the evaluation file
/// `{"companies": [names], "policies": [{"name", "parent", "company", "kind"}]}`.
public struct EvaluationSet: Sendable {
    /// One policy with its true company.
    public struct Policy: Sendable {
        public let name: String
        /// The parent policy's name, or `nil` for a top-level policy.
        public let parentName: String?
        /// The true company's name, or `nil` when the policy belongs to no inventory company.
        public let companyName: String?
        /// How the policy name differs from the company name, for example "typo" or "internal".
        public let kind: String

        public init(name: String, parentName: String?, companyName: String?, kind: String) {
            self.name = name
            self.parentName = parentName
            self.companyName = companyName
            self.kind = kind
        }
    }

    public let companies: [String]
    public let policies: [Policy]

    public init(companies: [String], policies: [Policy]) {
        self.companies = companies
        self.policies = policies
    }

    /// The companies with their positions as ids.
    public var matchCompanies: [MatchCompany] {
        companies.enumerated().map { MatchCompany(id: String($0.offset), name: $0.element) }
    }

    /// The policies with their positions as ids. A parent name refers to the first top-level
    /// policy of that name, or else to the first policy of that name.
    public var matchPolicies: [MatchPolicy] {
        var topLevelByName: [String: Int] = [:]
        var anyByName: [String: Int] = [:]
        for (position, policy) in policies.enumerated() {
            if anyByName[policy.name] == nil { anyByName[policy.name] = position }
            if policy.parentName == nil, topLevelByName[policy.name] == nil { topLevelByName[policy.name] = position }
        }
        return policies.enumerated().map { position, policy in
            let parent = policy.parentName.flatMap { topLevelByName[$0] ?? anyByName[$0] }
            return MatchPolicy(id: String(position), name: policy.name, parentId: parent.map(String.init))
        }
    }
}

/// The three Quick Match measures and a breakdown by kind.
public struct EvaluationReport: Sendable {
    /// Counts for the policies of one kind.
    public struct KindRow: Sendable {
        public let kind: String
        public var count = 0
        public var appliedCorrect = 0
        public var appliedWrong = 0
        /// Suggested policies whose first suggestion is the true company.
        public var suggestedTopOneCorrect = 0
        public var suggested = 0
        public var unmatched = 0
    }

    public let rows: [KindRow]
    /// Policies that have a true company in the inventory.
    public let policiesWithCompany: Int
    public let applied: Int
    public let appliedCorrect: Int
    /// Policies with a true company whose best candidate, applied or suggested, is that company.
    public let topOneCorrect: Int

    /// Of the applied mappings, the share that are right, or 1 when nothing was applied.
    public var appliedPrecision: Double { applied == 0 ? 1 : Double(appliedCorrect) / Double(applied) }
    /// Of the policies with a true company, the share applied to it.
    public var appliedRecall: Double { ratio(appliedCorrect, policiesWithCompany) }
    /// Of the policies with a true company, the share whose best candidate is it.
    public var suggestionTopOne: Double { ratio(topOneCorrect, policiesWithCompany) }

    private func ratio(_ part: Int, _ whole: Int) -> Double {
        whole == 0 ? 1 : Double(part) / Double(whole)
    }
}

/// Measures a `QuickMatcher` on an `EvaluationSet`.
public enum Evaluation {
    /// Matches every policy of `set` and counts the outcomes against the truth.
    public static func run(_ set: EvaluationSet, threshold: Double = QuickMatcher.defaultThreshold) -> EvaluationReport {
        let matcher = QuickMatcher(companies: set.matchCompanies, threshold: threshold)
        let results = matcher.match(set.matchPolicies)
        return report(set, results: results)
    }

    /// Counts `results`, given in the order of `set.policies`, against the truth.
    public static func report(_ set: EvaluationSet, results: [MatchResult]) -> EvaluationReport {
        var companyIDByName: [String: String] = [:]
        for (position, name) in set.companies.enumerated() where companyIDByName[name] == nil {
            companyIDByName[name] = String(position)
        }

        var rows: [String: EvaluationReport.KindRow] = [:]
        var kindOrder: [String] = []
        var withCompany = 0
        var applied = 0
        var appliedCorrect = 0
        var topOneCorrect = 0

        for (policy, result) in zip(set.policies, results) {
            if rows[policy.kind] == nil {
                rows[policy.kind] = EvaluationReport.KindRow(kind: policy.kind)
                kindOrder.append(policy.kind)
            }
            let truth = policy.companyName.flatMap { companyIDByName[$0] }
            let isBestRight = truth != nil && result.outcome.bestCandidate?.companyId == truth
            if truth != nil { withCompany += 1 }
            if isBestRight { topOneCorrect += 1 }

            rows[policy.kind]!.count += 1
            switch result.outcome {
            case .applied(let candidate):
                applied += 1
                if candidate.companyId == truth {
                    appliedCorrect += 1
                    rows[policy.kind]!.appliedCorrect += 1
                } else {
                    rows[policy.kind]!.appliedWrong += 1
                }
            case .suggested:
                rows[policy.kind]!.suggested += 1
                if isBestRight { rows[policy.kind]!.suggestedTopOneCorrect += 1 }
            case .unmatched:
                rows[policy.kind]!.unmatched += 1
            }
        }

        return EvaluationReport(
            rows: kindOrder.map { rows[$0]! }, policiesWithCompany: withCompany, applied: applied,
            appliedCorrect: appliedCorrect, topOneCorrect: topOneCorrect)
    }
}
