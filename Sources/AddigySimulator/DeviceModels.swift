/// A family of Apple hardware, deciding which facts a generated device has.
enum DeviceFamily: String, CaseIterable, Sendable {
    case macBookPro = "MacBook Pro"
    case macBookAir = "MacBook Air"
    case iMac = "iMac"
    case macMini = "Mac mini"
    case macStudio = "Mac Studio"
    case macPro = "Mac Pro"
    case iPad = "iPad"
    case iPhone = "iPhone"
    case appleTV = "Apple TV"

    var isMac: Bool { !isMobileOrTV }
    var isLaptop: Bool { self == .macBookPro || self == .macBookAir }
    var isMobileOrTV: Bool { self == .iPad || self == .iPhone || self == .appleTV }
    var hasBattery: Bool { isLaptop || self == .iPad || self == .iPhone }

    /// The abbreviation used in generated asset-tag style device names.
    var nameTag: String {
        switch self {
        case .macBookPro: "MBP"
        case .macBookAir: "MBA"
        case .iMac: "IMAC"
        case .macMini: "MINI"
        case .macStudio: "STUDIO"
        case .macPro: "MACPRO"
        case .iPad: "IPAD"
        case .iPhone: "IPHONE"
        case .appleTV: "ATV"
        }
    }

    /// The relative share of the family in a generated fleet.
    var weight: Int {
        switch self {
        case .macBookPro: 30
        case .macBookAir: 25
        case .iMac: 8
        case .macMini: 5
        case .macStudio: 3
        case .macPro: 1
        case .iPad: 14
        case .iPhone: 10
        case .appleTV: 4
        }
    }
}

/// One hardware model with the identifiers Apple assigns to it.
struct DeviceModel: Sendable {
    var family: DeviceFamily
    /// The model identifier, for example `MacBookPro18,3`.
    var identifier: String
    /// The chip, for example "Apple M1 Pro" or "Intel"; nil for iPhone, iPad and Apple TV,
    /// whose processor facts are collected only by the agent.
    var chip: String?
    var processor: String?
    var memoryChoices: [Int]
    var diskChoices: [Int]
}

/// Real model identifiers for every family, so clients can test their model lookups.
enum DeviceModelCatalogue {
    static let models: [DeviceModel] = [
        DeviceModel(family: .macBookPro, identifier: "MacBookPro18,3", chip: "Apple M1 Pro", processor: "Apple M1 Pro", memoryChoices: [16, 32], diskChoices: [512, 1000]),
        DeviceModel(family: .macBookPro, identifier: "MacBookPro18,1", chip: "Apple M1 Pro", processor: "Apple M1 Pro", memoryChoices: [16, 32], diskChoices: [512, 1000]),
        DeviceModel(family: .macBookPro, identifier: "Mac14,7", chip: "Apple M2", processor: "Apple M2", memoryChoices: [8, 16, 24], diskChoices: [256, 512]),
        DeviceModel(family: .macBookPro, identifier: "Mac15,3", chip: "Apple M3", processor: "Apple M3", memoryChoices: [8, 16, 24], diskChoices: [512, 1000]),
        DeviceModel(family: .macBookPro, identifier: "MacBookPro16,1", chip: "Intel", processor: "6-Core Intel Core i7", memoryChoices: [16, 32], diskChoices: [512, 1000]),
        DeviceModel(family: .macBookPro, identifier: "MacBookPro15,2", chip: "Intel", processor: "Quad-Core Intel Core i5", memoryChoices: [8, 16], diskChoices: [256, 512]),
        DeviceModel(family: .macBookAir, identifier: "MacBookAir10,1", chip: "Apple M1", processor: "Apple M1", memoryChoices: [8, 16], diskChoices: [256, 512]),
        DeviceModel(family: .macBookAir, identifier: "Mac14,2", chip: "Apple M2", processor: "Apple M2", memoryChoices: [8, 16, 24], diskChoices: [256, 512]),
        DeviceModel(family: .macBookAir, identifier: "Mac15,12", chip: "Apple M3", processor: "Apple M3", memoryChoices: [8, 16, 24], diskChoices: [256, 512]),
        DeviceModel(family: .macBookAir, identifier: "MacBookAir9,1", chip: "Intel", processor: "Dual-Core Intel Core i3", memoryChoices: [8, 16], diskChoices: [256, 512]),
        DeviceModel(family: .iMac, identifier: "iMac21,1", chip: "Apple M1", processor: "Apple M1", memoryChoices: [8, 16], diskChoices: [256, 512]),
        DeviceModel(family: .iMac, identifier: "iMac20,1", chip: "Intel", processor: "6-Core Intel Core i5", memoryChoices: [8, 32], diskChoices: [256, 512]),
        DeviceModel(family: .iMac, identifier: "Mac15,4", chip: "Apple M3", processor: "Apple M3", memoryChoices: [8, 16, 24], diskChoices: [256, 512]),
        DeviceModel(family: .macMini, identifier: "Macmini9,1", chip: "Apple M1", processor: "Apple M1", memoryChoices: [8, 16], diskChoices: [256, 512]),
        DeviceModel(family: .macMini, identifier: "Mac14,3", chip: "Apple M2", processor: "Apple M2", memoryChoices: [8, 16, 24], diskChoices: [256, 512]),
        DeviceModel(family: .macMini, identifier: "Macmini8,1", chip: "Intel", processor: "6-Core Intel Core i7", memoryChoices: [8, 32], diskChoices: [256, 512]),
        DeviceModel(family: .macStudio, identifier: "Mac13,1", chip: "Apple M1 Max", processor: "Apple M1 Max", memoryChoices: [32, 64], diskChoices: [512, 1000]),
        DeviceModel(family: .macStudio, identifier: "Mac14,13", chip: "Apple M2 Max", processor: "Apple M2 Max", memoryChoices: [32, 64], diskChoices: [512, 1000]),
        DeviceModel(family: .macPro, identifier: "MacPro7,1", chip: "Intel", processor: "16-Core Intel Xeon W", memoryChoices: [96, 192], diskChoices: [1000, 2000]),
        DeviceModel(family: .macPro, identifier: "Mac14,8", chip: "Apple M2 Ultra", processor: "Apple M2 Ultra", memoryChoices: [64, 192], diskChoices: [1000, 2000]),
        DeviceModel(family: .iPad, identifier: "iPad13,1", chip: nil, processor: nil, memoryChoices: [], diskChoices: [64, 256]),
        DeviceModel(family: .iPad, identifier: "iPad8,3", chip: nil, processor: nil, memoryChoices: [], diskChoices: [64, 256]),
        DeviceModel(family: .iPad, identifier: "iPad12,1", chip: nil, processor: nil, memoryChoices: [], diskChoices: [64, 256]),
        DeviceModel(family: .iPad, identifier: "iPad14,1", chip: nil, processor: nil, memoryChoices: [], diskChoices: [64, 256]),
        DeviceModel(family: .iPhone, identifier: "iPhone14,5", chip: nil, processor: nil, memoryChoices: [], diskChoices: [128, 256]),
        DeviceModel(family: .iPhone, identifier: "iPhone15,2", chip: nil, processor: nil, memoryChoices: [], diskChoices: [128, 256]),
        DeviceModel(family: .iPhone, identifier: "iPhone13,2", chip: nil, processor: nil, memoryChoices: [], diskChoices: [64, 128]),
        DeviceModel(family: .iPhone, identifier: "iPhone16,1", chip: nil, processor: nil, memoryChoices: [], diskChoices: [128, 256]),
        DeviceModel(family: .appleTV, identifier: "AppleTV11,1", chip: nil, processor: nil, memoryChoices: [], diskChoices: [32, 64]),
        DeviceModel(family: .appleTV, identifier: "AppleTV6,2", chip: nil, processor: nil, memoryChoices: [], diskChoices: [32, 64]),
    ]

    /// A model identifier that no Apple device has, for clients whose lookup tables must not crash.
    static let unknownIdentifier = "Mac16,99"

    static func models(of family: DeviceFamily) -> [DeviceModel] {
        models.filter { $0.family == family }
    }
}

/// An operating system release: the version, its build, and how `system_version` spells it.
struct OSRelease: Sendable {
    var version: String
    var build: String
    var platform: String

    var systemVersion: String { "\(platform) \(version) (\(build))" }

    static let macOS = [
        OSRelease(version: "12.7.4", build: "21H1123", platform: "macOS"),
        OSRelease(version: "13.6.6", build: "22G630", platform: "macOS"),
        OSRelease(version: "14.4.1", build: "23E224", platform: "macOS"),
        OSRelease(version: "14.5", build: "23F79", platform: "macOS"),
        OSRelease(version: "15.1", build: "24B83", platform: "macOS"),
        OSRelease(version: "15.3.2", build: "24D81", platform: "macOS"),
    ]
    static let iOS = [
        OSRelease(version: "16.7.8", build: "20H343", platform: "iOS"),
        OSRelease(version: "17.4", build: "21E219", platform: "iOS"),
        OSRelease(version: "17.5.1", build: "21F90", platform: "iOS"),
        OSRelease(version: "18.1", build: "22B83", platform: "iOS"),
    ]
    static let iPadOS = iOS.map { OSRelease(version: $0.version, build: $0.build, platform: "iPadOS") }
    static let tvOS = [
        OSRelease(version: "17.4", build: "21L227", platform: "tvOS"),
        OSRelease(version: "18.0", build: "22J357", platform: "tvOS"),
    ]

    static func releases(for family: DeviceFamily) -> [OSRelease] {
        switch family {
        case .iPad: iPadOS
        case .iPhone: iOS
        case .appleTV: tvOS
        default: macOS
        }
    }
}
