/// The 64-bit FNV-1a hash, used where a value must stay the same across processes, builds and
/// platforms. Swift's `hashValue` cannot serve there because it is seeded per process.
///
/// The constants are the offset basis 0xcbf29ce484222325 and the prime 0x100000001b3, as
/// published by Fowler, Noll and Vo. The hash is not cryptographic.
enum FNV1a {
    static let offsetBasis: UInt64 = 0xcbf2_9ce4_8422_2325
    static let prime: UInt64 = 0x0000_0100_0000_01b3

    /// Hashes the UTF-8 bytes of `text`.
    static func hash64(_ text: String) -> UInt64 {
        var hash = offsetBasis
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* prime
        }
        return hash
    }
}
