/// An inventory company that policies can be mapped to.
public struct MatchCompany: Sendable {
    /// The inventory's id for the company, returned in `MatchCandidate.companyId`.
    public let id: String
    public let name: String
    /// Account ids in PSA tools, keyed by "autotask", "connectwise" or "itglue".
    public let externalIds: [String: String]

    public init(id: String, name: String, externalIds: [String: String] = [:]) {
        self.id = id
        self.name = name
        self.externalIds = externalIds
    }
}

/// An Addigy policy: one node of the policy tree.
public struct MatchPolicy: Sendable {
    public let id: String
    public let name: String
    /// The parent policy's id, or `nil` for a top-level policy.
    public let parentId: String?
    /// Account ids in PSA tools, keyed by "autotask", "connectwise" or "itglue". The field names
    /// "autotask_account_id", "connectwise_account_id" and "itglue_account_id" are accepted too.
    public let externalIds: [String: String]

    public init(id: String, name: String, parentId: String? = nil, externalIds: [String: String] = [:]) {
        self.id = id
        self.name = name
        self.parentId = parentId
        self.externalIds = externalIds
    }
}

/// A company proposed for a policy, with a confidence from 0 to 1 and a reason a person can check.
public struct MatchCandidate: Sendable, Equatable {
    public let companyId: String
    public let confidence: Double
    /// Why the company was proposed, for example "same name after normalization ('acme dental')".
    public let reason: String

    public init(companyId: String, confidence: Double, reason: String) {
        self.companyId = companyId
        self.confidence = confidence
        self.reason = reason
    }
}

/// The decision for one policy.
public enum MatchOutcome: Sendable, Equatable {
    /// The mapping is safe to apply without review: its confidence reached the threshold and beat
    /// the runner-up by at least `QuickMatcher.margin`, or it came from a unique PSA id.
    case applied(MatchCandidate)
    /// Up to three candidates, best first, for a person to choose from.
    case suggested([MatchCandidate])
    /// No company is plausible, and the reason states what was tried.
    case unmatched(reason: String)

    /// The applied candidate or the best suggestion, or `nil` when unmatched.
    public var bestCandidate: MatchCandidate? {
        switch self {
        case .applied(let candidate): candidate
        case .suggested(let candidates): candidates.first
        case .unmatched: nil
        }
    }
}

/// The outcome for one policy, in the order the policies were given.
public struct MatchResult: Sendable {
    public let policyId: String
    public let outcome: MatchOutcome

    public init(policyId: String, outcome: MatchOutcome) {
        self.policyId = policyId
        self.outcome = outcome
    }
}
