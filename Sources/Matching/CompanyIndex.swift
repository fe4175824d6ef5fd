import Foundation

/// A word of a policy name paired with an indexed company word that equals it or is one typo away.
struct WordMatch: Sendable {
    let wordID: Int
    /// 1 for the same word, else the similarity of the typo.
    let similarity: Double
    let typo: TypoKind?
}

/// Lookup tables over the companies, built once so that a policy is compared only with companies
/// that share a word (or a word one typo away) with it, never with every company.
struct CompanyIndex: Sendable {
    /// One company with its normalized name.
    struct Entry: Sendable {
        let company: MatchCompany
        let name: NormalizedName
        /// Vocabulary ids of the name's key words, in order.
        let wordIDs: [Int]
        /// The sum of the key words' weights.
        let totalWeight: Double
    }

    let entries: [Entry]
    /// The distinct company words. A word's id is its position.
    let words: [String]
    /// The first spelling seen for each word, before vowel-pair folding (see `NormalizedName.spellings`).
    let spellings: [String]
    /// Word ids by word.
    let wordIDs: [String: Int]
    /// Inverse document frequency of each word, `log(1 + companies / companies with the word)`:
    /// a word that few companies share identifies a client better.
    let weights: [Double]
    /// Whether each word is a legal form or one typo away from one, by word id.
    let isLegalForm: [Bool]
    /// The weight given to a policy word that no company has, as rare as a word can be.
    let unknownWordWeight: Double
    /// Entries that contain each word, by word id.
    let postings: [[Int]]
    /// Word ids by deletion variant (see `WordSimilarity.deletionVariants`), for typo lookup.
    let wordIDsByVariant: [String: [Int]]
    /// Entries by their normalized text.
    let entriesByText: [String: [Int]]
    /// Entries by their key words sorted, for names that differ only in word order.
    let entriesBySortedWords: [String: [Int]]
    /// Entries by their key words joined without spaces, for "Van der Berg" against "Vanderberg".
    let entriesByCompactText: [String: [Int]]
    /// Entries by PSA and account id, keyed as `PSAKey.make`.
    let entriesByPSAKey: [String: [Int]]

    init(companies: [MatchCompany]) {
        var words: [String] = []
        var spellings: [String] = []
        var wordIDs: [String: Int] = [:]
        var postings: [[Int]] = []
        var names: [NormalizedName] = []
        var idsPerEntry: [[Int]] = []
        var byText: [String: [Int]] = [:]
        var bySorted: [String: [Int]] = [:]
        var byCompact: [String: [Int]] = [:]
        var byPSA: [String: [Int]] = [:]

        for (entry, company) in companies.enumerated() {
            let name = NameNormalizer.analyze(company.name)
            names.append(name)
            var ids: [Int] = []
            for (word, spelling) in zip(name.keyWords, name.keySpellings) {
                let id: Int
                if let known = wordIDs[word] {
                    id = known
                } else {
                    id = words.count
                    wordIDs[word] = id
                    words.append(word)
                    spellings.append(spelling)
                    postings.append([])
                }
                if postings[id].last != entry { postings[id].append(entry) }
                ids.append(id)
            }
            idsPerEntry.append(ids)

            if !name.words.isEmpty {
                byText[name.text, default: []].append(entry)
                bySorted[Self.sortedKey(name), default: []].append(entry)
                byCompact[Self.compactKey(name), default: []].append(entry)
            }
            for (system, accountID) in company.externalIds {
                if let key = PSAKey.make(system: system, accountID: accountID) {
                    byPSA[key, default: []].append(entry)
                }
            }
        }

        let companyCount = Double(max(companies.count, 1))
        let weights = postings.map { log(1 + companyCount / Double($0.count)) }
        var variants: [String: [Int]] = [:]
        for (id, word) in words.enumerated() {
            let forms = Set(WordSimilarity.deletionVariants(of: word) + WordSimilarity.deletionVariants(of: spellings[id]))
            for variant in forms {
                variants[variant, default: []].append(id)
            }
        }

        self.entries = companies.indices.map { index in
            let ids = idsPerEntry[index]
            return Entry(
                company: companies[index], name: names[index], wordIDs: ids,
                totalWeight: ids.reduce(0) { $0 + weights[$1] })
        }
        self.words = words
        self.spellings = spellings
        self.isLegalForm = words.map(WordLists.isLegalFormOrTypo)
        self.wordIDs = wordIDs
        self.weights = weights
        self.unknownWordWeight = log(1 + companyCount)
        self.postings = postings
        self.wordIDsByVariant = variants
        self.entriesByText = byText
        self.entriesBySortedWords = bySorted
        self.entriesByCompactText = byCompact
        self.entriesByPSAKey = byPSA
    }

    static func sortedKey(_ name: NormalizedName) -> String {
        name.keyWords.sorted().joined(separator: " ")
    }

    static func compactKey(_ name: NormalizedName) -> String {
        name.keyWords.joined()
    }

    /// Returns the company words equal to `word` or one typo away from it.
    ///
    /// A typo counts when either the spellings or the folded words are one edit apart.
    func matches(for word: String, spelling: String) -> [WordMatch] {
        var found: [WordMatch] = []
        if let id = wordIDs[word] {
            found.append(WordMatch(wordID: id, similarity: 1, typo: nil))
        }
        guard max(word.utf8.count, spelling.utf8.count) >= WordSimilarity.minimumTypoLength else { return found }

        var seen = Set(found.map(\.wordID))
        let variants = word == spelling
            ? WordSimilarity.deletionVariants(of: word)
            : WordSimilarity.deletionVariants(of: word) + WordSimilarity.deletionVariants(of: spelling)
        for variant in variants {
            for id in wordIDsByVariant[variant] ?? [] where !seen.contains(id) {
                seen.insert(id)
                let typo = WordSimilarity.typo(between: spelling, and: spellings[id])
                    ?? WordSimilarity.typo(between: word, and: words[id])
                if let typo {
                    found.append(WordMatch(wordID: id, similarity: WordSimilarity.similarity(of: typo), typo: typo))
                }
            }
        }
        return found
    }

    /// Returns the weight of a policy word: the company word's weight when the word is known,
    /// else the weight of the rarest word.
    func weight(ofPolicyWord word: String) -> Double {
        wordIDs[word].map { weights[$0] } ?? unknownWordWeight
    }
}

/// The key under which a PSA account id is indexed: the PSA's name and the id, trimmed.
enum PSAKey {
    /// The PSA names that Quick Match compares ids for.
    static let systems: Set<String> = ["autotask", "connectwise", "itglue"]

    /// Returns the key for an id in `system`, or `nil` when the system is unknown or the id is empty.
    ///
    /// The system may be written as the policy field ("autotask_account_id") or as the short name ("autotask").
    static func make(system: String, accountID: String) -> String? {
        let name = canonicalSystem(system)
        let id = accountID.trimmingCharacters(in: .whitespacesAndNewlines)
        guard systems.contains(name), !id.isEmpty else { return nil }
        return name + "\u{0}" + id
    }

    static func canonicalSystem(_ system: String) -> String {
        var name = system.lowercased().trimmingCharacters(in: .whitespacesAndNewlines)
        for suffix in ["_account_id", "_id"] where name.hasSuffix(suffix) {
            name.removeLast(suffix.count)
        }
        return name.replacingOccurrences(of: "_", with: "").replacingOccurrences(of: "-", with: "")
    }
}
