/// The read boundaries and the small limits that one input is checked with.
///
/// Everything is derived from a hash of the input, so the corpus files stay plain JSON-RPC
/// streams with no control header, and replaying a file always cuts it at the same places.
struct CheckPlan {
    /// Ascending byte offsets in `0...input.count` where one read ends and the next begins.
    /// Offsets may repeat, which makes an empty read.
    let cuts: [Int]
    /// A line limit from 1 to 64 bytes, so that the oversized path runs on most inputs.
    let smallMaxLineLength: Int
    /// A nesting limit from 1 to 8, to compare with the parser's default of 128.
    let shallowMaxDepth: Int

    init(input: [UInt8]) {
        var generator = SplitMix64(seed: Self.fnv1a(input))
        smallMaxLineLength = 1 + Int(generator.next() % 64)
        shallowMaxDepth = 1 + Int(generator.next() % 8)

        var cuts: [Int] = []
        var position = 0
        while position < input.count {
            // On average one read in 16 is empty, one in 16 is 1 to 512 bytes long, and the rest are 1 to 8 bytes.
            let roll = generator.next() % 16
            let step: Int
            switch roll {
            case 0: step = 0
            case 1: step = 1 + Int(generator.next() % 512)
            default: step = 1 + Int(generator.next() % 8)
            }
            position = min(position + step, input.count)
            cuts.append(position)
        }
        self.cuts = cuts
    }

    /// Hashes `bytes` with 64-bit FNV-1a.
    static func fnv1a(_ bytes: [UInt8]) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return hash
    }
}

/// The SplitMix64 generator: small, fast and good enough to spread read boundaries.
struct SplitMix64 {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state = state &+ 0x9e37_79b9_7f4a_7c15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xbf58_476d_1ce4_e5b9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94d0_49bb_1331_11eb
        return mixed ^ (mixed >> 31)
    }
}
