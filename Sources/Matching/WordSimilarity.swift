/// The kind of single-edit typo that turns one word into another.
enum TypoKind: Sendable, Equatable {
    /// A letter typed twice or once where the other word has it once or twice ("Oakmoont", "Caldwel").
    case doubledLetter
    /// Two neighboring letters swapped ("Baxtre").
    case transposition
    /// One other letter added or missing.
    case insertionOrDeletion
    /// One letter replaced by another ("Jansen" and "Jensen").
    case substitution
}

/// Compares two words that differ by at most one typing slip.
enum WordSimilarity {
    /// The minimum length of both words for a typo to count. Shorter words such as "law" and
    /// "lab" differ by one letter and name different things.
    static let minimumTypoLength = 5

    /// The similarity that a word pair with this typo contributes, from 0 to 1.
    ///
    /// Doubled letters and swaps are the most common slips and rarely turn one real name into
    /// another, so they score highest. A substitution often separates two real surnames ("Hansen"
    /// and "Hanson"), so it scores low enough that a name with one never reaches the default
    /// threshold of 0.9 through it.
    static func similarity(of typo: TypoKind) -> Double {
        switch typo {
        case .doubledLetter: 0.94
        case .transposition: 0.93
        case .insertionOrDeletion: 0.9
        case .substitution: 0.75
        }
    }

    /// Returns the typo that turns `first` into `second`, or `nil` when the words are equal,
    /// too short, or more than one edit apart.
    static func typo(between first: String, and second: String) -> TypoKind? {
        let a = Array(first.utf8)
        let b = Array(second.utf8)
        guard a.count >= minimumTypoLength, b.count >= minimumTypoLength, a != b else { return nil }
        if a.count == b.count { return sameLengthTypo(a, b) }
        if a.count == b.count + 1 { return insertionTypo(longer: a, shorter: b) }
        if b.count == a.count + 1 { return insertionTypo(longer: b, shorter: a) }
        return nil
    }

    private static func sameLengthTypo(_ a: [UInt8], _ b: [UInt8]) -> TypoKind? {
        guard let first = a.indices.first(where: { a[$0] != b[$0] }) else { return nil }
        let next = first + 1
        if a[(next)...] == b[(next)...] { return .substitution }
        let isSwap = next < a.count && a[first] == b[next] && a[next] == b[first]
        if isSwap, a[(next + 1)...] == b[(next + 1)...] { return .transposition }
        return nil
    }

    private static func insertionTypo(longer: [UInt8], shorter: [UInt8]) -> TypoKind? {
        let first = shorter.indices.first(where: { shorter[$0] != longer[$0] }) ?? shorter.count
        guard longer[(first + 1)...] == shorter[first...] else { return nil }
        let extra = longer[first]
        let isDoubled = (first > 0 && longer[first - 1] == extra) || (first + 1 < longer.count && longer[first + 1] == extra)
        return isDoubled ? .doubledLetter : .insertionOrDeletion
    }

    /// Returns the word itself and every form with one letter deleted, for words long enough to
    /// take a typo. Two words one edit apart always share at least one of these forms.
    static func deletionVariants(of word: String) -> [String] {
        let letters = Array(word.utf8)
        guard letters.count >= minimumTypoLength else { return [word] }
        var variants = [word]
        variants.reserveCapacity(letters.count + 1)
        for index in letters.indices {
            var shorter = letters
            shorter.remove(at: index)
            variants.append(String(decoding: shorter, as: UTF8.self))
        }
        return variants
    }
}
