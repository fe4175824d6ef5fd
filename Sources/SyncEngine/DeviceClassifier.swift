import AddigyClient

/// Names the Addigy classification of a device: "MacBook Pro", "iMac", "iPad", and so on.
///
/// Addigy's `device_model_name` is used when it is set. Some Macs report it empty, so the
/// classifier then reads the family from `hardware_model` or `product_name` ("MacBookPro18,1"
/// gives "MacBook Pro"), then the platform from `system_version`, and finally calls a device
/// with only a macOS version "Mac". A device with none of these is "Unknown".
public enum DeviceClassifier {
    /// The classification of a device with no model, platform or macOS version facts.
    public static let unknown = "Unknown"

    /// Model identifier prefixes and the classification each one names, longest prefix first
    /// so that "MacBookPro" wins over "MacBook" and "iMacPro" over "iMac".
    private static let families: [(prefix: String, name: String)] = [
        ("MacBookPro", "MacBook Pro"),
        ("MacBookAir", "MacBook Air"),
        ("MacBook", "MacBook"),
        ("iMacPro", "iMac Pro"),
        ("iMac", "iMac"),
        ("Macmini", "Mac mini"),
        ("MacPro", "Mac Pro"),
        ("VirtualMac", "Mac"),
        ("Mac", "Mac"),
        ("iPad", "iPad"),
        ("iPhone", "iPhone"),
        ("iPod", "iPod touch"),
        ("AppleTV", "Apple TV"),
        ("Watch", "Apple Watch"),
        ("RealityDevice", "Apple Vision Pro"),
    ]

    /// Platform prefixes of `system_version` ("iPadOS 17.2 (21C62)") and what each one names.
    private static let platforms: [(prefix: String, name: String)] = [
        ("macOS", "Mac"),
        ("Mac OS X", "Mac"),
        ("iPadOS", "iPad"),
        ("iOS", "iPhone"),
        ("tvOS", "Apple TV"),
        ("watchOS", "Apple Watch"),
        ("visionOS", "Apple Vision Pro"),
    ]

    public static func classify(_ device: AddigyDevice) -> String {
        if let modelName = device.string("device_model_name") {
            return modelName
        }
        for fact in ["hardware_model", "product_name"] {
            if let identifier = device.string(fact), let family = family(ofModelIdentifier: identifier) {
                return family
            }
        }
        if let systemVersion = device.string("system_version"),
            let platform = platforms.first(where: { systemVersion.hasPrefix($0.prefix) })
        {
            return platform.name
        }
        if device.string("mac_os_x_version") != nil {
            return "Mac"
        }
        return unknown
    }

    /// Returns the family of an Apple model identifier such as "MacBookAir10,1", or `nil` when
    /// the identifier starts with no known prefix.
    public static func family(ofModelIdentifier identifier: String) -> String? {
        let letters = identifier.prefix { $0.isLetter }
        guard !letters.isEmpty else { return nil }
        return families.first { letters == $0.prefix }?.name
            ?? families.first { letters.hasPrefix($0.prefix) }?.name
    }

    /// Returns whether devices of this classification run macOS. FileVault, the firewall,
    /// Gatekeeper and SIP exist only on Macs.
    public static func isMac(_ classification: String) -> Bool {
        classification.hasPrefix("Mac") || classification.hasPrefix("iMac")
    }
}
