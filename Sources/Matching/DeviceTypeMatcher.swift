/// An inventory asset type a device type can map to.
public struct AssetTypeCandidate: Sendable, Equatable {
    public var id: String
    public var name: String

    public init(id: String, name: String) {
        self.id = id
        self.name = name
    }
}

/// One scored pairing of a device type with an asset type.
public struct DeviceTypeMatch: Sendable, Equatable {
    public var assetType: AssetTypeCandidate
    /// 0 to 1.
    public var confidence: Double
    /// Why, in words a person can check: "same name", "a MacBook Air is a laptop".
    public var reason: String
}

/// Matches Addigy device types ("MacBook Pro", "iPad") to the inventory's asset types by name.
///
/// The tiers, best first:
/// - the same name after normalization (1.0);
/// - an asset type name that contains the device type ("Apple iPad" for "iPad", 0.95);
/// - the kind of device ("Laptop" or "Notebook" for a MacBook, "Tablet" for an iPad, 0.92);
/// - a generic computer type ("Computer", "Mac") for any Mac (0.8, a suggestion only).
///
/// A match is applied only when it reaches the threshold and no other asset type scores as high.
public struct DeviceTypeMatcher: Sendable {
    /// The device kinds and the words of asset type names that name them.
    private static let kindWords: [String: [String]] = [
        "laptop": ["laptop", "notebook", "portable"],
        "desktop": ["desktop", "workstation"],
        "tablet": ["tablet"],
        "phone": ["phone", "mobile", "smartphone", "cellphone"],
        "tv": ["tv", "television", "mediaplayer", "streaming"],
        "watch": ["watch", "wearable"],
        "headset": ["headset", "xr", "vr"],
    ]

    private static let computerWords = ["computer", "mac", "pc", "endpoint", "workstation"]

    public let assetTypes: [AssetTypeCandidate]
    public let threshold: Double

    public init(assetTypes: [AssetTypeCandidate], threshold: Double = 0.9) {
        self.assetTypes = assetTypes
        self.threshold = threshold
    }

    /// Returns the candidates for a device type, best first; at most `limit`.
    public func candidates(for deviceType: String, limit: Int = 3) -> [DeviceTypeMatch] {
        let scored = assetTypes.compactMap { assetType in score(deviceType, against: assetType) }
        return Array(scored.sorted { ($0.confidence, $1.assetType.name) > ($1.confidence, $0.assetType.name) }.prefix(limit))
    }

    /// Returns the match to apply on its own: the best candidate when it reaches the threshold and
    /// beats every other candidate, or `nil`.
    public func certainMatch(for deviceType: String) -> DeviceTypeMatch? {
        let ranked = candidates(for: deviceType, limit: 2)
        guard let best = ranked.first, best.confidence >= threshold else { return nil }
        if ranked.count > 1, ranked[1].confidence >= best.confidence { return nil }
        return best
    }

    func score(_ deviceType: String, against assetType: AssetTypeCandidate) -> DeviceTypeMatch? {
        let device = Self.normalize(deviceType)
        let asset = Self.normalize(assetType.name)
        guard !device.isEmpty, !asset.isEmpty else { return nil }
        if device == asset {
            return DeviceTypeMatch(assetType: assetType, confidence: 1.0, reason: "same name")
        }
        let assetWords = Self.words(of: assetType.name)
        if assetWords.contains(device) {
            return DeviceTypeMatch(assetType: assetType, confidence: 0.95,
                                   reason: "'\(assetType.name)' contains '\(deviceType)'")
        }
        if let kind = Self.kind(of: device), let words = Self.kindWords[kind],
            words.contains(where: { assetWords.contains($0) || asset == $0 })
        {
            return DeviceTypeMatch(assetType: assetType, confidence: 0.92,
                                   reason: "\(Self.article(deviceType)) \(deviceType) is a \(kind)")
        }
        if Self.kind(of: device).map({ $0 == "laptop" || $0 == "desktop" }) ?? (device == "mac"),
            Self.computerWords.contains(where: { assetWords.contains($0) })
        {
            return DeviceTypeMatch(assetType: assetType, confidence: 0.8,
                                   reason: "\(Self.article(deviceType)) \(deviceType) is a computer")
        }
        return nil
    }

    /// Returns the kind of an Apple device type (laptop, tablet...) from its normalized name.
    static func kind(of device: String) -> String? {
        if device.hasPrefix("macbook") { return "laptop" }
        if device.hasPrefix("imac") || device.hasPrefix("macmini") || device.hasPrefix("macstudio")
            || device.hasPrefix("macpro")
        {
            return "desktop"
        }
        if device.hasPrefix("ipad") { return "tablet" }
        if device.hasPrefix("iphone") || device.hasPrefix("ipod") { return "phone" }
        if device.hasPrefix("appletv") { return "tv" }
        if device.hasPrefix("applewatch") { return "watch" }
        if device.hasPrefix("applevision") { return "headset" }
        return nil
    }

    /// Lowercase letters and digits only: "MacBook Pro" → "macbookpro".
    static func normalize(_ name: String) -> String {
        String(name.lowercased().unicodeScalars.filter { $0.properties.isAlphabetic || $0.properties.numericType != nil }
            .map(Character.init))
    }

    /// Returns the lowercase words of a name, plus each pair of neighbours joined ("mac mini" gives
    /// "macmini") and each plural without its "s".
    static func words(of name: String) -> Set<String> {
        let parts = name.lowercased().split { !$0.isLetter && !$0.isNumber }.map(String.init)
        var words = Set(parts)
        for index in parts.indices.dropLast() {
            words.insert(parts[index] + parts[index + 1])
        }
        for part in parts where part.hasSuffix("s") && part.count > 3 {
            words.insert(String(part.dropLast()))
        }
        return words
    }

    private static func article(_ word: String) -> String {
        guard let first = word.lowercased().first else { return "a" }
        return "aeio".contains(first) ? "an" : "a"
    }
}
