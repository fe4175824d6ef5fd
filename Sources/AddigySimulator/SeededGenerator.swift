/// A SplitMix64 pseudo-random generator: the same seed always yields the same sequence, so
/// generated fleets and injected faults repeat from run to run. Not for cryptographic use.
struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed >> 31)
    }

    /// Returns a value in `0..<1`.
    mutating func nextFraction() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// Returns true with probability `probability`.
    mutating func chance(_ probability: Double) -> Bool {
        nextFraction() < probability
    }

    /// Returns a random element of a non-empty array.
    mutating func pick<T>(_ elements: [T]) -> T {
        elements[Int(next() % UInt64(elements.count))]
    }

    /// Returns a random integer in `range`.
    mutating func int(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.count))
    }

    /// Returns `count` random lower-case hexadecimal digits.
    mutating func hex(_ count: Int) -> String {
        let digits = Array("0123456789abcdef")
        var text = ""
        text.reserveCapacity(count)
        for _ in 0..<count {
            text.append(digits[Int(next() & 0xF)])
        }
        return text
    }

    /// Returns a random version 4 UUID in lower-case text form, as Addigy writes ids.
    mutating func uuid() -> String {
        let variant = pick(["8", "9", "a", "b"])
        return "\(hex(8))-\(hex(4))-4\(hex(3))-\(variant)\(hex(3))-\(hex(12))"
    }
}
