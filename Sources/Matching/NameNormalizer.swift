import Foundation

/// A name reduced to the words that identify a client.
public struct NormalizedName: Sendable, Equatable {
    /// The identifying words in their original order, lowercase ASCII where the input was Latin script.
    public let words: [String]
    /// The same words before the vowel-pair folding ("mueller" for the word "muller"), in the same
    /// order. Typo comparison reads these, because a slip such as "Prpoerty" creates a vowel pair
    /// that the folding would turn into a second difference.
    public let spellings: [String]
    /// Whether every word names a device group or a pool ("Laptops", "Remote Staff", "Spare iPads").
    ///
    /// Such names keep their device-group words, because removing them would leave nothing.
    public let isDeviceGroupOnly: Bool

    /// The words joined by single spaces: the form that `NameNormalizer.normalize` returns.
    public var text: String { words.joined(separator: " ") }

    /// The words without the conjunction "and", which carries no identity when scoring.
    public var keyWords: [String] { words.filter { $0 != "and" } }

    /// The spellings of `keyWords`, in the same order.
    public var keySpellings: [String] { zip(words, spellings).filter { $0.0 != "and" }.map(\.1) }
}

/// One word during normalization: the folded matching key and its spelling before vowel-pair folding.
private struct Word: Equatable {
    var key: String
    var spelling: String
}

/// Reduces company and policy names to a canonical form so that spelling variants meet.
///
/// The steps, in order: Unicode folding (case, diacritics, "ß" to "ss", and German "ae", "oe",
/// "ue" inside a word to "a", "o", "u", so that Müller, Mueller and Muller all become "muller");
/// punctuation removal (periods and apostrophes join, other marks split words); path segments
/// ("Clients/", "MSP > Clients > ", "Customers - ", "[Managed]") and device-group segments
/// ("- Laptops", "(Staff)") dropped. Then "&", "+", "und", "et" and "y" between words become "and",
/// stop words ("the", "of") go, and legal forms and device-group words are removed from the end.
///
/// The result is a matching key, not a display name: "Samuel" becomes "samul", on both sides alike.
/// Normalizing twice gives the same result as normalizing once.
public enum NameNormalizer {
    /// Returns the canonical form of `name`, for example "acme dental" for "Clients/ACME Dental, Inc. - Laptops".
    public static func normalize(_ name: String) -> String {
        analyze(name).text
    }

    /// Returns the identifying words of `name` and whether it only names a device group.
    public static func analyze(_ name: String) -> NormalizedName {
        let segments = foldCharacters(name)
        var words = dropFolderAndDeviceSegments(segments).flatMap { $0 }

        // The word rules can expose more work for each other (removing "Inc" can leave a device
        // word at the end), so they repeat until nothing changes. Each round removes words or
        // changes none, so the loop ends, and the result is a fixed point, which makes
        // normalizing the output again change nothing.
        var isDeviceGroupOnly = false
        while true {
            let before = words
            words = rewriteConjunctions(words)
            words = removeStopWords(words)
            isDeviceGroupOnly = !words.isEmpty && consistsOfDeviceGroups(words.map(\.key))
            words = stripTrailingWords(words, includingDeviceGroups: !isDeviceGroupOnly)
            if words == before { break }
        }
        return NormalizedName(words: words.map(\.key), spellings: words.map(\.spelling), isDeviceGroupOnly: isDeviceGroupOnly)
    }

    /// Folds one word the way `analyze` folds every word: lowercase, diacritics removed,
    /// punctuation dropped and the German vowel pairs "ae", "oe", "ue" shortened inside the word.
    static func foldWord(_ word: String) -> String {
        foldCharacters(word).flatMap { $0 }.filter { $0.key != conjunctionMarker }.map(\.key).joined()
    }

    private static let conjunctionMarker = "&"
    private static let legalAndDevicePhrases = WordLists.legalSuffixPhrases + WordLists.deviceGroupPhrases

    // MARK: - Characters

    /// Splits a name into segments of folded words at path and group separators.
    private static func foldCharacters(_ name: String) -> [[Word]] {
        // Decomposing separates accents from letters ("ü" into "u" and a combining mark), but it
        // is slow, so pure ASCII names skip it.
        let isASCII = name.utf8.allSatisfy { $0 < 0x80 }
        let source = isASCII ? name : name.lowercased().decomposedStringWithCanonicalMapping
        let scalars = Array(source.unicodeScalars)
        var segments: [[Word]] = []
        var words: [Word] = []
        var word: [UInt8] = []

        func endWord() {
            if !word.isEmpty {
                let key = String(decoding: foldVowelPairs(word), as: UTF8.self)
                words.append(Word(key: key, spelling: String(decoding: word, as: UTF8.self)))
            }
            word.removeAll(keepingCapacity: true)
        }
        func endSegment() {
            endWord()
            if !words.isEmpty { segments.append(words) }
            words = []
        }

        for (index, scalar) in scalars.enumerated() {
            if scalar.isASCII {
                let byte = UInt8(scalar.value)
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                    word.append(byte)
                    continue
                case UInt8(ascii: "A")...UInt8(ascii: "Z"):
                    word.append(byte + 32)
                    continue
                default:
                    break
                }
            } else if scalar.properties.generalCategory == .nonspacingMark {
                continue
            } else if let replacement = letterReplacements[scalar] {
                word.append(contentsOf: replacement.utf8)
                continue
            } else if scalar.properties.isAlphabetic || scalar.properties.numericType != nil {
                word.append(contentsOf: String(scalar).utf8)
                continue
            }

            switch scalar {
            case ".", "'", "\u{2019}", "\u{2018}", "`", "\u{00B4}":
                continue  // "L.L.C." reads as "llc" and "O'Brien" as "obrien".
            case "&", "+":
                endWord()
                words.append(Word(key: conjunctionMarker, spelling: conjunctionMarker))
            case "/", "\\", "|", ">", "<", ":", "(", ")", "[", "]", "{", "}", "\u{00BB}", "\u{203A}", "\u{2192}":
                endSegment()
            case "-", "\u{2013}", "\u{2014}":
                // A dash with a space beside it separates segments ("Acme - Laptops"), but one inside
                // a word joins two words ("Nakamura-Accounting").
                let spaceBefore = index > 0 && scalars[index - 1].properties.isWhitespace
                let spaceAfter = index + 1 < scalars.count && scalars[index + 1].properties.isWhitespace
                if spaceBefore || spaceAfter { endSegment() } else { endWord() }
            default:
                endWord()
            }
        }
        endSegment()
        return segments
    }

    private static let letterReplacements: [Unicode.Scalar: String] = [
        "ß": "ss", "ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i", "ħ": "h",
    ]

    /// Shortens "ae", "oe" and "ue" inside a word, so the transliteration "Mueller" meets "Müller".
    ///
    /// A pair at the start or end of the word stays ("aerial", "blue"), and so does "ue" after "q"
    /// ("queen"). The word is UTF-8, and only ASCII bytes are compared.
    private static func foldVowelPairs(_ word: [UInt8]) -> [UInt8] {
        // One round can create a new pair ("xaeex" becomes "xaex"), so rounds repeat until none is left.
        var current = word
        while true {
            let next = foldVowelPairsOnce(current)
            if next == current { return current }
            current = next
        }
    }

    private static func foldVowelPairsOnce(_ word: [UInt8]) -> [UInt8] {
        guard word.count >= 4 else { return word }
        let a = UInt8(ascii: "a"), o = UInt8(ascii: "o"), u = UInt8(ascii: "u"), e = UInt8(ascii: "e")
        var output: [UInt8] = []
        output.reserveCapacity(word.count)
        var index = 0
        while index < word.count {
            let letter = word[index]
            output.append(letter)
            let isVowel = letter == a || letter == o || letter == u
            let nextIsE = index + 1 < word.count && word[index + 1] == e
            let isInside = index > 0 && index + 2 < word.count
            let followsQ = letter == u && index > 0 && word[index - 1] == UInt8(ascii: "q")
            if isVowel && nextIsE && isInside && !followsQ {
                index += 2
            } else {
                index += 1
            }
        }
        return output
    }

    // MARK: - Word rules

    /// Drops segments that are only device groups, and leading segments that are only folders.
    ///
    /// When every segment would go, the name is kept whole, so "Zero Touch - Unassigned" stays a device group.
    private static func dropFolderAndDeviceSegments(_ segments: [[Word]]) -> [[Word]] {
        guard segments.count > 1 else { return segments }
        var kept = segments.filter { !consistsOfDeviceGroups($0.map(\.key)) }
        while kept.count > 1, kept[0].allSatisfy({ WordLists.pathPrefixWords.contains($0.key) }) {
            kept.removeFirst()
        }
        return kept.isEmpty ? segments : kept
    }

    /// Rewrites "&", "+" and conjunctions between two words as "and".
    private static func rewriteConjunctions(_ words: [Word]) -> [Word] {
        words.enumerated().map { index, word in
            let isBetweenWords = index > 0 && index + 1 < words.count
            let isConjunction = word.key == conjunctionMarker || (isBetweenWords && WordLists.conjunctions.contains(word.key))
            return isConjunction ? Word(key: "and", spelling: "and") : word
        }
    }

    private static func removeStopWords(_ words: [Word]) -> [Word] {
        let remaining = words.filter { !WordLists.stopWords.contains($0.key) }
        return remaining.isEmpty ? words : remaining
    }

    /// Removes legal forms (and device-group words, when asked) from the end, and "and" from
    /// either end, until none is left, always keeping at least one word.
    private static func stripTrailingWords(_ words: [Word], includingDeviceGroups: Bool) -> [Word] {
        var words = words
        while words.count > 1 {
            if words[0].key == "and" {
                words.removeFirst()
                continue
            }
            let last = words[words.count - 1].key
            if last == "and" || WordLists.legalSuffixes.contains(last)
                || (includingDeviceGroups && WordLists.deviceGroupWords.contains(last))
            {
                words.removeLast()
                continue
            }
            let phrases = includingDeviceGroups ? legalAndDevicePhrases : WordLists.legalSuffixPhrases
            let isTrailingPhrase = { (phrase: [String]) in
                phrase.count < words.count && words.suffix(phrase.count).map(\.key).elementsEqual(phrase)
            }
            if let phrase = phrases.first(where: isTrailingPhrase) {
                words.removeLast(phrase.count)
                continue
            }
            break
        }
        return words
    }

    /// Whether device-group words and phrases, joined by conjunctions, make up all of `words`.
    private static func consistsOfDeviceGroups(_ words: [String]) -> Bool {
        var index = 0
        while index < words.count {
            let rest = words[index...]
            if let phrase = WordLists.deviceGroupPhrases.first(where: { rest.starts(with: $0) }) {
                index += phrase.count
            } else if WordLists.deviceGroupWords.contains(words[index]) || words[index] == conjunctionMarker
                || words[index] == "and"
            {
                index += 1
            } else {
                return false
            }
        }
        return true
    }
}
