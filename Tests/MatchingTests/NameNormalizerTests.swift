import Testing

@testable import Matching

@Suite struct NameNormalizerTests {
    @Test(arguments: [
        ("Acme Dental", "acme dental"),
        ("ACME DENTAL", "acme dental"),
        ("acme dental", "acme dental"),
    ])
    func foldsCase(_ name: String, _ expected: String) {
        #expect(NameNormalizer.normalize(name) == expected)
    }

    @Test func meetsUmlautSpellings() {
        let forms = ["Müller Architekten", "Mueller Architekten", "Muller Architekten", "MÜLLER ARCHITEKTEN"].map(NameNormalizer.normalize)
        #expect(Set(forms).count == 1)
    }

    @Test(arguments: [
        ("Café Lumière", "Cafe Lumiere"),
        ("Jönsson Bygg", "Jonsson Bygg"),
        ("Straße Partners", "Strasse Partners"),
        ("Øresund Consulting", "Oresund Consulting"),
    ])
    func stripsDiacritics(_ accented: String, _ plain: String) {
        #expect(NameNormalizer.normalize(accented) == NameNormalizer.normalize(plain))
    }

    @Test(arguments: [
        "Acme Dental Inc.", "Acme Dental, Inc", "Acme Dental LLC", "Acme Dental L.L.C.", "Acme Dental Ltd",
        "Acme Dental Limited", "Acme Dental Corp.", "Acme Dental Corporation", "Acme Dental Co.",
        "Acme Dental Company", "Acme Dental GmbH", "Acme Dental AG", "Acme Dental GmbH & Co. KG",
        "Acme Dental SARL", "Acme Dental S.A.", "Acme Dental SAS", "Acme Dental B.V.", "Acme Dental NV",
        "Acme Dental Pty Ltd", "Acme Dental PLC", "Acme Dental LLP", "Acme Dental P.C.", "Acme Dental PLLC",
        "Acme Dental Oy", "Acme Dental AB", "Acme Dental AS", "Acme Dental ApS", "Acme Dental S.p.A.",
        "Acme Dental S.r.l.", "Acme Dental Group", "Acme Dental Sp. z o.o.",
    ])
    func removesLegalForm(_ name: String) {
        #expect(NameNormalizer.normalize(name) == "acme dental")
    }

    @Test(arguments: [
        "Acme Dental - Laptops", "Acme Dental (Staff)", "Acme Dental | Workstations", "Acme Dental Devices",
        "Acme Dental - iPads", "Acme Dental iPhones", "Acme Dental Fleet", "Acme Dental - Front Desk",
        "Acme Dental Kiosks", "Acme Dental - Loaners", "Acme Dental Servers", "Acme Dental BYOD",
        "Acme Dental - Remote Staff", "Acme Dental (Mitarbeiter)", "Acme Dental - Employees", "Acme Dental Inc. - Macs",
    ])
    func removesDeviceGroup(_ name: String) {
        #expect(NameNormalizer.normalize(name) == "acme dental")
    }

    @Test(arguments: [
        "Clients/Acme Dental", "Customers - Acme Dental", "MSP > Clients > Acme Dental", "MSP > Acme Dental",
        "[Managed] Acme Dental", "Kunden / Acme Dental", "Clients | Acme Dental",
    ])
    func removesPathPrefix(_ name: String) {
        #expect(NameNormalizer.normalize(name) == "acme dental")
    }

    @Test(arguments: ["Smith & Jones Law", "Smith and Jones Law", "Smith + Jones Law", "Smith und Jones Law", "Smith et Jones Law", "Smith y Jones Law"])
    func treatsConjunctionsAlike(_ name: String) {
        #expect(NameNormalizer.normalize(name) == "smith and jones law")
    }

    @Test func keepsLeadingY() {
        #expect(NameNormalizer.normalize("Y Combinator") == "y combinator")
    }

    @Test(arguments: [
        ("O'Brien Design Studio", "obrien design studio"),
        ("Nakamura-Accounting", "nakamura accounting"),
        ("Westfield Consulting.", "westfield consulting"),
        ("Nakamura-+-Underwood-Dental", "nakamura and underwood dental"),
    ])
    func removesPunctuation(_ name: String, _ expected: String) {
        #expect(NameNormalizer.normalize(name) == expected)
    }

    @Test func removesStopWords() {
        #expect(NameNormalizer.normalize("The Dental Practice of Springfield") == "dental practice springfield")
    }

    @Test func keepsDeviceGroupOnlyName() {
        let name = NameNormalizer.analyze("Remote Staff")
        #expect(name.text == "remote staff")
        #expect(name.isDeviceGroupOnly)
    }

    @Test func marksClientNameNotDeviceGroup() {
        #expect(!NameNormalizer.analyze("Acme Dental - Laptops").isDeviceGroupOnly)
    }

    @Test(arguments: [
        "Clients/ACME Dental, Inc. - Laptops", "Müller & Söhne GmbH & Co. KG", "Smith Staff Inc", "Lab Macs",
        "Zero Touch - Unassigned", "xaeex Corp", "MSP > Clients > [Managed] O'Brien + Partners (Staff)", "The Y",
        "Jean-Pierre Dubois S.A.R.L.", "東京 Dental", "---", "", "Straße der Einheit AG", "Group Inc",
    ])
    func isIdempotent(_ name: String) {
        let once = NameNormalizer.normalize(name)
        #expect(NameNormalizer.normalize(once) == once)
    }

    @Test func returnsEmptyForPunctuation() {
        #expect(NameNormalizer.normalize(" -- / () ") == "")
    }
}
