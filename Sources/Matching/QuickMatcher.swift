/// Maps Addigy policies to inventory companies and decides which mappings are safe to apply alone.
///
/// Tiers, in order, with their confidence:
/// - a PSA account id shared by the policy and one company, 1.0;
/// - the same name after `NameNormalizer`, 1.0;
/// - the same words in another order, 0.98;
/// - the same letters with spaces ignored, 0.97;
/// - fuzzy word alignment (`NameScorer`), at most 0.96.
///
/// A mapping is applied only when its confidence reaches `threshold` and beats the runner-up by at
/// least `margin`. A PSA id match is applied whenever exactly one company has that id. Otherwise
/// the best candidates are suggested, or the policy stays unmatched when none reaches `suggestionFloor`.
///
/// A child policy whose name only names a device group takes its parent's outcome. A child whose
/// own name has no plausible candidate (below `plausibleConfidence`) takes its parent's applied
/// mapping, and one whose own name points elsewhere gets both as suggestions.
public struct QuickMatcher: Sendable {
    /// The default confidence at which a mapping is applied without review.
    public static let defaultThreshold = 0.9
    /// How far the best candidate must lead the runner-up to be applied. It sends a policy to
    /// review when two companies fit it almost equally, as when their names normalize alike or
    /// differ by a doubled letter ("Hansen" and "Hanssen").
    /// NOTE: 0.1 is a judgment checked on the evaluation and synthetic sets, not a fitted value.
    public static let margin = 0.1
    /// The minimum confidence of a suggestion. Below it the policy is unmatched.
    public static let suggestionFloor = 0.25
    /// The confidence below which a child's own name is taken to say nothing about its client.
    public static let plausibleConfidence = 0.5
    /// The maximum number of suggested candidates.
    public static let maximumSuggestions = 3

    public let threshold: Double
    let index: CompanyIndex

    /// Indexes `companies`. `threshold` is the confidence, from 0 to 1, at which a mapping is applied.
    public init(companies: [MatchCompany], threshold: Double = QuickMatcher.defaultThreshold) {
        self.index = CompanyIndex(companies: companies)
        self.threshold = threshold
    }

    /// Matches every policy of a tree, returning one result per policy in input order.
    ///
    /// Parents are looked up by `parentId` within `policies`. A policy whose parent is missing, or
    /// that lies on a cycle of parents, is treated as a top-level policy. When two policies share
    /// an id, children attach to the first.
    public func match(_ policies: [MatchPolicy]) -> [MatchResult] {
        let parents = PolicyTree.parentPositions(of: policies)
        var buffer = ScoreBuffer(companyCount: index.entries.count)
        let own = policies.map { evaluateOwnName(of: $0, buffer: &buffer) }

        var outcomes: [MatchOutcome?] = Array(repeating: nil, count: policies.count)
        for start in policies.indices where outcomes[start] == nil {
            // Resolve the unresolved ancestors first, top down, without recursion.
            var chain = [start]
            while let parent = parents[chain[chain.count - 1]], outcomes[parent] == nil {
                chain.append(parent)
            }
            for position in chain.reversed() {
                let parentResult = parents[position].map { (name: policies[$0].name, outcome: outcomes[$0]!) }
                outcomes[position] = resolve(own[position], parent: parentResult)
            }
        }
        return policies.indices.map { MatchResult(policyId: policies[$0].id, outcome: outcomes[$0]!) }
    }

    // MARK: - One policy

    /// The candidates for a policy from its own name and ids, before looking at its parent.
    struct OwnEvaluation {
        let name: NormalizedName
        let originalName: String
        /// All tiers merged, best first.
        let candidates: [ScoredCandidate]
        /// Whether the candidates come from PSA ids, which the parent cannot override.
        let isPSAMatch: Bool
    }

    func evaluateOwnName(of policy: MatchPolicy, buffer: inout ScoreBuffer) -> OwnEvaluation {
        let name = NameNormalizer.analyze(policy.name)
        let psa = psaCandidates(for: policy)
        if !psa.isEmpty {
            return OwnEvaluation(name: name, originalName: policy.name, candidates: psa, isPSAMatch: true)
        }
        guard !name.words.isEmpty, !name.isDeviceGroupOnly else {
            return OwnEvaluation(name: name, originalName: policy.name, candidates: [], isPSAMatch: false)
        }

        var best: [Int: ScoredCandidate] = [:]
        func offer(_ candidate: ScoredCandidate) {
            if let existing = best[candidate.entry], existing.confidence >= candidate.confidence { return }
            best[candidate.entry] = candidate
        }
        for entry in index.entriesByText[name.text] ?? [] {
            offer(ScoredCandidate(entry: entry, confidence: 1.0, reason: "same name after normalization ('\(name.text)')"))
        }
        for entry in index.entriesBySortedWords[CompanyIndex.sortedKey(name)] ?? [] {
            let reason = "same words in another order ('\(name.text)' and '\(index.entries[entry].name.text)')"
            offer(ScoredCandidate(entry: entry, confidence: 0.98, reason: reason))
        }
        for entry in index.entriesByCompactText[CompanyIndex.compactKey(name)] ?? [] {
            let reason = "same letters with spaces ignored ('\(name.text)' and '\(index.entries[entry].name.text)')"
            offer(ScoredCandidate(entry: entry, confidence: 0.97, reason: reason))
        }
        let scorer = NameScorer(index: index)
        for candidate in scorer.candidates(for: name, limit: Self.maximumSuggestions + 1, buffer: &buffer) {
            offer(candidate)
        }
        return OwnEvaluation(name: name, originalName: policy.name, candidates: ranked(Array(best.values)), isPSAMatch: false)
    }

    private func psaCandidates(for policy: MatchPolicy) -> [ScoredCandidate] {
        var found: [Int: ScoredCandidate] = [:]
        for (system, accountID) in policy.externalIds.sorted(by: { $0.key < $1.key }) {
            guard let key = PSAKey.make(system: system, accountID: accountID) else { continue }
            let reason = "PSA id match (\(PSAKey.canonicalSystem(system)) \(accountID.trimmingCharacters(in: .whitespaces)))"
            for entry in index.entriesByPSAKey[key] ?? [] where found[entry] == nil {
                found[entry] = ScoredCandidate(entry: entry, confidence: 1.0, reason: reason)
            }
        }
        return ranked(Array(found.values))
    }

    private func ranked(_ candidates: [ScoredCandidate]) -> [ScoredCandidate] {
        candidates.sorted { $0.confidence != $1.confidence ? $0.confidence > $1.confidence : $0.entry < $1.entry }
    }

    // MARK: - Decisions

    /// Combines a policy's own evaluation with its parent's outcome.
    func resolve(_ own: OwnEvaluation, parent: (name: String, outcome: MatchOutcome)?) -> MatchOutcome {
        if own.isPSAMatch {
            return decide(own.candidates, isPSAMatch: true, policyName: own.originalName)
        }
        if own.name.words.isEmpty || own.name.isDeviceGroupOnly {
            let description = own.name.words.isEmpty ? "has no letters or digits" : "only names a device group"
            guard let parent else {
                return .unmatched(reason: "the name '\(own.originalName)' \(description) and the policy has no parent")
            }
            return inherit(parent.outcome, parentName: parent.name, because: "the name \(description)")
        }

        let ownOutcome = decide(own.candidates, isPSAMatch: false, policyName: own.originalName)
        guard case .applied = ownOutcome else {
            guard let parent, case .applied(let parentCandidate) = parent.outcome else { return ownOutcome }
            let inherited = MatchCandidate(
                companyId: parentCandidate.companyId, confidence: parentCandidate.confidence,
                reason: "inherited from parent policy '\(parent.name)': \(parentCandidate.reason)")
            guard let ownBest = own.candidates.first,
                ownBest.confidence >= Self.plausibleConfidence,
                index.entries[ownBest.entry].company.id != parentCandidate.companyId
            else {
                return .applied(inherited)
            }
            let ownCandidates = own.candidates.map(publicCandidate).filter { $0.companyId != inherited.companyId }
            return .suggested([inherited] + ownCandidates.prefix(Self.maximumSuggestions - 1))
        }
        return ownOutcome
    }

    private func inherit(_ outcome: MatchOutcome, parentName: String, because cause: String) -> MatchOutcome {
        let prefix = "inherited from parent policy '\(parentName)' because \(cause)"
        switch outcome {
        case .applied(let candidate):
            return .applied(MatchCandidate(companyId: candidate.companyId, confidence: candidate.confidence, reason: "\(prefix): \(candidate.reason)"))
        case .suggested(let candidates):
            return .suggested(candidates.map { MatchCandidate(companyId: $0.companyId, confidence: $0.confidence, reason: "\(prefix): \($0.reason)") })
        case .unmatched(let reason):
            return .unmatched(reason: "\(prefix), and the parent is unmatched: \(reason)")
        }
    }

    /// Applies, suggests or leaves unmatched, from candidates ranked best first.
    private func decide(_ candidates: [ScoredCandidate], isPSAMatch: Bool, policyName: String) -> MatchOutcome {
        guard let best = candidates.first else {
            return .unmatched(reason: "no company shares a word with '\(policyName)'")
        }
        let runnerUp = candidates.count > 1 ? candidates[1].confidence : 0
        let leadsClearly = isPSAMatch ? candidates.count == 1 : best.confidence - runnerUp >= Self.margin
        if best.confidence >= threshold && leadsClearly {
            return .applied(publicCandidate(best))
        }
        let plausible = candidates.prefix(Self.maximumSuggestions).filter { $0.confidence >= Self.suggestionFloor }
        guard !plausible.isEmpty else {
            let company = index.entries[best.entry].company.name
            return .unmatched(reason: "the best candidate, '\(company)', has confidence \(formatConfidence(best.confidence)) (\(best.reason))")
        }
        return .suggested(plausible.map(publicCandidate))
    }

    private func publicCandidate(_ candidate: ScoredCandidate) -> MatchCandidate {
        MatchCandidate(
            companyId: index.entries[candidate.entry].company.id, confidence: candidate.confidence,
            reason: candidate.reason)
    }
}

/// Parent links of a policy tree, with missing parents and cycles cut.
enum PolicyTree {
    /// Returns each policy's parent position, or `nil` for a top-level policy, a missing parent,
    /// a policy that is its own parent, or a policy on a cycle of parents.
    static func parentPositions(of policies: [MatchPolicy]) -> [Int?] {
        var positionByID: [String: Int] = [:]
        for (position, policy) in policies.enumerated() where positionByID[policy.id] == nil {
            positionByID[policy.id] = position
        }
        var parents: [Int?] = policies.map { $0.parentId.flatMap { positionByID[$0] } }

        // Walk up from every policy. A walk that meets a policy of the same walk found a cycle,
        // and every policy on that cycle becomes top level.
        enum State { case unvisited, onWalk, done }
        var states = Array(repeating: State.unvisited, count: policies.count)
        for start in policies.indices where states[start] == .unvisited {
            var walk: [Int] = []
            var current: Int? = start
            while let position = current, states[position] == .unvisited {
                states[position] = .onWalk
                walk.append(position)
                current = parents[position]
            }
            if let position = current, states[position] == .onWalk, let cycleStart = walk.firstIndex(of: position) {
                for member in walk[cycleStart...] { parents[member] = nil }
            }
            for position in walk { states[position] = .done }
        }
        return parents
    }
}
