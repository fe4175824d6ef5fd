import Testing

@testable import Matching

@Suite struct DeviceTypeMatcherTests {
    private let types = [
        AssetTypeCandidate(id: "1", name: "Laptop"), AssetTypeCandidate(id: "2", name: "Desktop"),
        AssetTypeCandidate(id: "3", name: "Tablets"), AssetTypeCandidate(id: "4", name: "Mobile Phone"),
        AssetTypeCandidate(id: "5", name: "MacBook Pro"), AssetTypeCandidate(id: "6", name: "Computer"),
    ]

    @Test func sameNameWins() {
        let match = DeviceTypeMatcher(assetTypes: types).certainMatch(for: "MacBook Pro")
        #expect(match?.assetType.id == "5")
        #expect(match?.confidence == 1.0)
        #expect(match?.reason == "same name")
    }

    @Test(arguments: [("MacBook Air", "1"), ("iMac", "2"), ("Mac mini", "2"), ("iPad", "3"), ("iPhone", "4")])
    func kindOfDeviceMatches(deviceType: String, assetTypeID: String) {
        let match = DeviceTypeMatcher(assetTypes: types).certainMatch(for: deviceType)
        #expect(match?.assetType.id == assetTypeID)
        #expect(match?.confidence == 0.92)
    }

    @Test func containedNameMatches() {
        let match = DeviceTypeMatcher(assetTypes: [AssetTypeCandidate(id: "9", name: "Apple iPad")])
            .certainMatch(for: "iPad")
        #expect(match?.confidence == 0.95)
        #expect(match?.reason == "'Apple iPad' contains 'iPad'")
    }

    @Test func genericComputerIsOnlySuggested() {
        let matcher = DeviceTypeMatcher(assetTypes: [AssetTypeCandidate(id: "6", name: "Computer")])
        #expect(matcher.certainMatch(for: "Mac") == nil)
        #expect(matcher.candidates(for: "Mac").first?.confidence == 0.8)
    }

    @Test func tieIsNotApplied() {
        let matcher = DeviceTypeMatcher(assetTypes: [AssetTypeCandidate(id: "1", name: "Laptop"),
                                                     AssetTypeCandidate(id: "2", name: "Notebook")])
        #expect(matcher.certainMatch(for: "MacBook Air") == nil)
        #expect(matcher.candidates(for: "MacBook Air").count == 2)
    }

    @Test func unrelatedNamesDoNotMatch() {
        let matcher = DeviceTypeMatcher(assetTypes: [AssetTypeCandidate(id: "7", name: "Printer")])
        #expect(matcher.candidates(for: "iPhone").isEmpty)
        #expect(matcher.candidates(for: "Unknown").isEmpty)
    }
}
