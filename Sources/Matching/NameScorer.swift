/// A company proposed for one policy, before the decision.
struct ScoredCandidate: Sendable {
    /// The company's position in `CompanyIndex.entries`.
    let entry: Int
    let confidence: Double
    let reason: String
}

/// Reusable per-company score slots, so that scoring a policy touches only the companies that
/// share a word with it.
struct ScoreBuffer {
    var scores: [Double]
    var touched: [Int] = []

    init(companyCount: Int) {
        scores = Array(repeating: 0, count: companyCount)
    }

    mutating func add(_ value: Double, to entry: Int) {
        if scores[entry] == 0 { touched.append(entry) }
        scores[entry] += value
    }

    mutating func reset() {
        for entry in touched { scores[entry] = 0 }
        touched.removeAll(keepingCapacity: true)
    }
}

/// Scores a policy name against company names by weighted word alignment.
///
/// Word order is ignored. Each policy word pairs with at most one company word, equal or one typo
/// away (`WordSimilarity`), strongest pairs first. With the words weighted by rarity, the policy
/// coverage is the paired weight over the policy's weight and the company coverage the paired weight
/// over the company's weight. The confidence is the smaller coverage, multiplied by 0.9 for every
/// word on either side that has no partner, so a name with a missing or extra word stays below 0.9,
/// and capped at `maximumConfidence`.
struct NameScorer {
    let index: CompanyIndex

    /// How many companies, picked by a quick word-overlap estimate, get the full alignment.
    static let shortlistSize = 8
    /// The factor applied to the confidence for each word without a partner.
    static let unpairedWordFactor = 0.9
    /// The highest fuzzy confidence, below the exact tiers of `QuickMatcher`.
    static let maximumConfidence = 0.96

    /// Returns the best fuzzy candidates for `name`, best first.
    func candidates(for name: NormalizedName, limit: Int, buffer: inout ScoreBuffer) -> [ScoredCandidate] {
        let policyWords = name.keyWords
        guard !policyWords.isEmpty else { return [] }
        let matches = zip(policyWords, name.keySpellings).map { index.matches(for: $0, spelling: $1) }

        // Estimate each company's overlap from the inverted index, touching only companies that
        // share at least one word.
        buffer.reset()
        var policyWeight = 0.0
        for (position, word) in policyWords.enumerated() {
            policyWeight += index.weight(ofPolicyWord: word)
            for match in matches[position] {
                let value = index.weights[match.wordID] * match.similarity
                for entry in index.postings[match.wordID] {
                    buffer.add(value, to: entry)
                }
            }
        }
        var shortlist: [(entry: Int, estimate: Double)] = []
        for entry in buffer.touched {
            let estimate = buffer.scores[entry] / max(policyWeight, index.entries[entry].totalWeight)
            insert((entry, estimate), into: &shortlist)
        }

        let legalForms = policyWords.map(WordLists.isLegalFormOrTypo)
        let aligned = shortlist.map { align(policyWords, legalForms: legalForms, matches: matches, with: $0.entry) }
        let ranked = aligned.sorted { $0.confidence != $1.confidence ? $0.confidence > $1.confidence : $0.entry < $1.entry }
        return ranked.prefix(limit).map { alignment in
            ScoredCandidate(entry: alignment.entry, confidence: alignment.confidence, reason: reason(for: alignment, policyWords: policyWords))
        }
    }

    /// The pairing of a policy's words with one company's words.
    private struct Alignment {
        let entry: Int
        let confidence: Double
        /// Policy word positions paired by a typo, with the company word id.
        let typos: [(policy: Int, wordID: Int)]
        /// Policy word positions without a partner, legal forms excluded.
        let unpairedPolicyWords: [Int]
        /// Company word ids without a partner, legal forms excluded.
        let unpairedCompanyWords: [Int]
        /// Legal forms without a partner, ignored when scoring.
        let ignoredWords: [String]
    }

    /// Pairs the policy words with one company's words, strongest pairs first, and computes the confidence.
    private func align(_ policyWords: [String], legalForms: [Bool], matches: [[WordMatch]], with entry: Int) -> Alignment {
        let company = index.entries[entry]
        var pairs: [(policy: Int, company: Int, match: WordMatch)] = []
        for (policyPosition, wordMatches) in matches.enumerated() {
            for match in wordMatches {
                for (companyPosition, id) in company.wordIDs.enumerated() where id == match.wordID {
                    pairs.append((policyPosition, companyPosition, match))
                }
            }
        }
        pairs.sort { $0.match.similarity != $1.match.similarity ? $0.match.similarity > $1.match.similarity : $0.policy < $1.policy }

        var policyPaired = Array(repeating: false, count: policyWords.count)
        var companyPaired = Array(repeating: false, count: company.wordIDs.count)
        var pairedWeight = 0.0
        var policyWeight = 0.0
        var typos: [(policy: Int, wordID: Int)] = []
        for pair in pairs where !policyPaired[pair.policy] && !companyPaired[pair.company] {
            policyPaired[pair.policy] = true
            companyPaired[pair.company] = true
            let weight = index.weights[pair.match.wordID]
            pairedWeight += weight * pair.match.similarity
            policyWeight += weight
            if pair.match.typo != nil { typos.append((pair.policy, pair.match.wordID)) }
        }

        // A legal form left inside a name ("Title Company of Springfield") or misspelled at its
        // end ("Commpany") names no one, so it is ignored when it has no partner.
        var unpairedPolicyWords: [Int] = []
        var unpairedCompanyWords: [Int] = []
        var ignoredWords: [String] = []
        for (position, word) in policyWords.enumerated() where !policyPaired[position] {
            if legalForms[position] {
                ignoredWords.append(word)
            } else {
                policyWeight += index.weight(ofPolicyWord: word)
                unpairedPolicyWords.append(position)
            }
        }
        var companyWeight = 0.0
        for (position, id) in company.wordIDs.enumerated() {
            if companyPaired[position] {
                companyWeight += index.weights[id]
            } else if index.isLegalForm[id] {
                ignoredWords.append(index.words[id])
            } else {
                companyWeight += index.weights[id]
                unpairedCompanyWords.append(id)
            }
        }

        let policyCoverage = policyWeight > 0 ? pairedWeight / policyWeight : 0
        let companyCoverage = companyWeight > 0 ? pairedWeight / companyWeight : 0
        var confidence = min(policyCoverage, companyCoverage)
        for _ in 0..<(unpairedPolicyWords.count + unpairedCompanyWords.count) {
            confidence *= Self.unpairedWordFactor
        }
        // Fully paired equal words are the sorted-words tier's case, which ranks above fuzzy scores.
        confidence = min(confidence, Self.maximumConfidence)
        return Alignment(
            entry: entry, confidence: confidence, typos: typos, unpairedPolicyWords: unpairedPolicyWords,
            unpairedCompanyWords: unpairedCompanyWords, ignoredWords: ignoredWords)
    }

    private func reason(for alignment: Alignment, policyWords: [String]) -> String {
        let company = index.entries[alignment.entry]
        var reason = "fuzzy \(formatConfidence(alignment.confidence)) on '\(company.name.text)'"
        for typo in alignment.typos {
            reason += ", '\(policyWords[typo.policy])' read as '\(index.words[typo.wordID])'"
        }
        let unpaired = alignment.unpairedPolicyWords.map { policyWords[$0] } + alignment.unpairedCompanyWords.map { index.words[$0] }
        if !unpaired.isEmpty {
            reason += ", words without a partner: " + unpaired.map { "'\($0)'" }.joined(separator: ", ")
        }
        if !alignment.ignoredWords.isEmpty {
            reason += ", legal forms ignored: " + alignment.ignoredWords.map { "'\($0)'" }.joined(separator: ", ")
        }
        return reason
    }

    /// Keeps the `shortlistSize` best estimates, best first, ties to the earlier company.
    private func insert(_ item: (entry: Int, estimate: Double), into shortlist: inout [(entry: Int, estimate: Double)]) {
        func ranksAbove(_ a: (entry: Int, estimate: Double), _ b: (entry: Int, estimate: Double)) -> Bool {
            a.estimate != b.estimate ? a.estimate > b.estimate : a.entry < b.entry
        }
        if shortlist.count == Self.shortlistSize {
            guard ranksAbove(item, shortlist[shortlist.count - 1]) else { return }
            shortlist.removeLast()
        }
        let position = shortlist.firstIndex { ranksAbove(item, $0) } ?? shortlist.count
        shortlist.insert(item, at: position)
    }

}

/// Formats a confidence with two decimals, for reasons and reports.
func formatConfidence(_ value: Double) -> String {
    let hundredths = Int((value * 100).rounded())
    let fraction = hundredths % 100
    return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
}
