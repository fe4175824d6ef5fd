/// Word lists that the normalizer removes or rewrites, written in the folded form that
/// `NameNormalizer.foldWord` produces (lowercase ASCII, periods and apostrophes removed).
///
/// They hold general vocabulary only: legal forms, device-group words and path folders in
/// English, German, French, Spanish, Italian, Dutch and the Nordic languages.
enum WordLists {
    /// Legal forms and corporate words that end a company name ("Inc.", "GmbH", "S.p.A.", "Group").
    ///
    /// The normalizer removes them only at the end of a name, so "Company Cars Inc" keeps "company".
    static let legalSuffixes: Set<String> = folded([
        // English
        "inc", "incorporated", "llc", "llp", "lp", "ltd", "limited", "corp", "corporation", "co", "company",
        "plc", "pc", "pllc", "pa", "pty", "pte", "group", "holding", "holdings",
        // German, Austrian, Swiss
        "gmbh", "ag", "kg", "ohg", "ug", "ev", "gbr", "mbh", "gruppe",
        // French, Belgian, Luxembourgish
        "sarl", "sa", "sas", "sasu", "sprl", "srl", "eurl", "sci", "groupe",
        // Spanish, Portuguese, Latin American
        "sl", "slu", "ltda", "lda", "sac", "grupo",
        // Italian
        "spa", "snc", "sas",
        // Dutch
        "bv", "nv", "vof",
        // Nordic
        "oy", "oyj", "ab", "as", "asa", "aps", "hf",
        // Central and Eastern European, Asian
        "sro", "kft", "zrt", "doo", "kk", "bhd", "sdn",
    ])

    /// Multi-word legal forms, removed as a whole at the end of a name ("Sp. z o.o.", "S. de R.L.").
    static let legalSuffixPhrases: [[String]] = [
        ["sp", "z", "oo"],
        ["s", "de", "rl"],
        ["s", "a"],
        ["and", "co"],
    ].map { $0.map(NameNormalizer.foldWord) }

    /// Words that name a device group, a staff group or a device pool inside a client's policy tree.
    ///
    /// The normalizer removes them from the end of a name and drops separated segments made only of
    /// them, as in "Acme - Laptops" or "Acme (Staff)".
    static let deviceGroupWords: Set<String> = folded([
        // English: device kinds
        "laptop", "laptops", "desktop", "desktops", "mac", "macs", "macbook", "macbooks", "imac", "imacs",
        "ipad", "ipads", "iphone", "iphones", "ios", "ipados", "macos", "tvos", "tablet", "tablets",
        "phone", "phones", "mobile", "mobiles", "computer", "computers", "workstation", "workstations",
        "server", "servers", "device", "devices", "endpoint", "endpoints", "kiosk", "kiosks", "byod",
        "fleet", "appletv", "appletvs",
        // English: people and pools
        "staff", "employee", "employees", "user", "users", "exec", "execs", "executive", "executives",
        "remote", "onboarding", "offboarding", "reception", "student", "students", "teacher", "teachers",
        "lab", "labs", "loaner", "loaners", "spare", "spares", "shared", "pool", "test", "testing",
        "unassigned", "pilot",
        // German
        "gerate", "gerat", "rechner", "mitarbeiter", "mitarbeitende", "notebooks", "notebook",
        // French
        "ordinateurs", "ordinateur", "portables", "postes", "employes", "personnel", "appareils",
        // Spanish, Portuguese, Italian
        "equipos", "portatiles", "empleados", "dispositivos", "dispositivi", "dipendenti", "computadores",
        // Dutch, Nordic
        "apparaten", "medewerkers", "datorer", "ansatte", "medarbejdere",
    ])

    /// Multi-word device groups, removed as a whole ("Front Desk", "Zero Touch").
    static let deviceGroupPhrases: [[String]] = [
        ["front", "desk"],
        ["zero", "touch"],
        ["conference", "room"],
        ["conference", "rooms"],
        ["apple", "tv"],
        ["apple", "tvs"],
    ].map { $0.map(NameNormalizer.foldWord) }

    /// Folder words that an MSP puts before a client's name ("Clients/", "Customers - ", "MSP > ").
    ///
    /// A segment made only of these words is dropped when a separator follows it.
    static let pathPrefixWords: Set<String> = folded([
        "client", "clients", "customer", "customers", "msp", "managed", "tenant", "tenants", "account",
        "accounts", "companies", "organizations", "organisations", "active",
        "kunden", "mandanten", "clientes", "cliente", "klanten", "kunder", "asiakkaat",
    ])

    /// Conjunctions written between two names, all replaced by "and" ("&", "+", "und", "et", "y", "en", "og").
    ///
    /// Single letters and short words count only between two other words, so "Y Combinator" keeps "y".
    static let conjunctions: Set<String> = folded(["and", "und", "et", "y", "e", "en", "og", "och", "i"])

    /// Words that carry no identity: "The Acme Company" and "Acme" are the same client.
    static let stopWords: Set<String> = folded(["the", "of", "for", "at"])

    /// Whether `word` is a legal form or one typo away from one ("commpany").
    static func isLegalFormOrTypo(_ word: String) -> Bool {
        if legalSuffixes.contains(word) { return true }
        let length = word.utf8.count
        guard length >= WordSimilarity.minimumTypoLength else { return false }
        return longLegalSuffixes.contains { form in
            abs(form.utf8.count - length) <= 1 && WordSimilarity.typo(between: word, and: form) != nil
        }
    }

    /// The legal forms long enough to be recognized with a typo.
    private static let longLegalSuffixes = legalSuffixes.filter { $0.utf8.count >= WordSimilarity.minimumTypoLength }

    private static func folded(_ words: [String]) -> Set<String> {
        Set(words.map(NameNormalizer.foldWord))
    }
}
