import Foundation
import Testing

@testable import SyncScheduler

@Suite struct OffsetTests {
    @Test func fnv1aMatchesPublishedVectors() {
        // Test vectors of the 64-bit FNV-1a hash from its authors' reference tables.
        #expect(FNV1a.hash64("") == 0xcbf2_9ce4_8422_2325)
        #expect(FNV1a.hash64("a") == 0xaf63_dc4c_8601_ec8c)
        #expect(FNV1a.hash64("foobar") == 0x8594_4171_f739_67e8)
    }

    @Test func offsetOfKnownIDIsFixed() {
        // A change of hash, modulus or byte order moves every integration's slots, so it must
        // fail here first.
        let schedule = SyncSchedule()
        #expect(schedule.offset(forIntegration: knownID) == .seconds(625))
        #expect(schedule.offset(forIntegration: "6ba7b810-9dad-11d1-80b4-00c04fd430c8") == .seconds(164))
        #expect(SyncSchedule(maxOffset: .seconds(60)).offset(forIntegration: knownID) == .seconds(25))
    }

    @Test func offsetDiffersAcrossIDs() {
        let schedule = SyncSchedule()
        let offsets = fixedIDs().map { schedule.offset(forIntegration: $0) }
        #expect(schedule.offset(forIntegration: knownID) != schedule.offset(forIntegration: fixedIDs()[0]))
        // 100 values drawn evenly from 900 would share a value about 5 times on average.
        #expect(Set(offsets).count >= 85)
    }

    @Test func offsetIsWholeSecondsBelowMaximum() {
        for maxSeconds in [1, 7, 60, 900, 3600] {
            let schedule = SyncSchedule(maxOffset: .seconds(maxSeconds))
            for id in fixedIDs() {
                let offset = schedule.offset(forIntegration: id)
                #expect(offset >= .zero)
                #expect(offset < .seconds(maxSeconds))
                #expect(offset.components.attoseconds == 0)
            }
        }
    }

    @Test func offsetsSpreadOverTheRange() {
        let schedule = SyncSchedule()
        let offsets = fixedIDs().map { schedule.offset(forIntegration: $0) }
        let smallest = offsets.min() ?? .zero
        let largest = offsets.max() ?? .zero
        #expect(smallest < .seconds(60))
        #expect(largest > .seconds(840))
        // Each quarter of the range gets some integrations.
        for quarter in 0..<4 {
            let low = Duration.seconds(quarter * 225)
            let high = Duration.seconds((quarter + 1) * 225)
            #expect(offsets.filter { $0 >= low && $0 < high }.count >= 10, "quarter \(quarter)")
        }
    }

    @Test func offsetIsZeroWithoutMaximum() {
        #expect(SyncSchedule(maxOffset: .zero).offset(forIntegration: knownID) == .zero)
        #expect(SyncSchedule(maxOffset: .milliseconds(900)).offset(forIntegration: knownID) == .zero)
    }

    @Test func bothScopesShareTheOffset() {
        let schedule = SyncSchedule()
        let day = utc("2025-01-06T00:00:00Z")
        let policies = schedule.nextSlot(.policies, integration: knownID, after: day)
        let devices = schedule.nextSlot(.devices, integration: knownID, after: day)
        #expect(policies == utc("2025-01-06T02:10:25Z"))
        #expect(devices == utc("2025-01-06T00:10:25Z"))
        #expect(policies.timeIntervalSince(day) - 2 * 3600 == devices.timeIntervalSince(day))
    }
}
