// swift-tools-version: 6.0
import PackageDescription

// Targets are cut by concept so that a change to one layer rebuilds only what depends on it:
// JSON values, JSON-RPC wire types, the socket transport, logging, the SQLite store, the
// method handlers, and the executables on top.
let package = Package(
    name: "AddigySync",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "addigysyncd", targets: ["addigysyncd"]),
        .executable(name: "addigysync-bench", targets: ["addigysync-bench"]),
        .executable(name: "addigy-sim", targets: ["addigy-sim"]),
        .executable(name: "addigysync-quickmatch", targets: ["addigysync-quickmatch"]),
        .executable(name: "addigysync", targets: ["addigysync"]),
    ],
    targets: [
        .systemLibrary(
            name: "CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        .systemLibrary(
            name: "CCrypto",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]
        ),
        .target(name: "JSONCore"),
        .target(name: "RPCCore", dependencies: ["JSONCore"]),
        .target(name: "DaemonLog"),
        .target(name: "RPCTransport", dependencies: ["RPCCore", "JSONCore", "DaemonLog"]),
        .target(name: "InventoryStore", dependencies: ["CSQLite", "CCrypto", "DaemonLog", "JSONCore"]),
        // Reads Addigy's V2 API: typed requests, tolerant decoding, rate limiting and retries.
        .target(name: "AddigyClient", dependencies: ["JSONCore", "DaemonLog", "CCrypto"]),
        // Brings Addigy data into the store: policy trees now, devices later.
        .target(name: "SyncEngine", dependencies: ["AddigyClient", "InventoryStore", "DaemonLog", "JSONCore"]),
        // Decides when each integration's policy and device syncs run: slots, offsets, catch-up.
        .target(name: "SyncScheduler"),
        .target(
            name: "DaemonServer",
            dependencies: [
                "RPCTransport", "RPCCore", "JSONCore", "InventoryStore", "DaemonLog", "AddigyClient", "SyncEngine",
                "Matching", "SyncScheduler",
            ]
        ),
        // Quick Match: name normalization and scoring that map policies to companies, without I/O.
        .target(name: "Matching"),
        .executableTarget(name: "addigysync-quickmatch", dependencies: ["Matching", "JSONCore"]),
        // A stand-in for Addigy's V2 API over HTTP on loopback, for tests and the demo.
        .target(name: "AddigySimulator", dependencies: ["JSONCore", "CCrypto"]),
        .executableTarget(name: "addigy-sim", dependencies: ["AddigySimulator", "JSONCore"]),
        .executableTarget(name: "addigysyncd", dependencies: ["DaemonServer", "DaemonLog"]),
        .executableTarget(name: "addigysync-bench", dependencies: ["JSONCore", "TestSupport"]),
        // The command-line client: argument parsing, commands and output. It speaks only the protocol,
        // so it depends on no server module.
        .target(name: "CLIKit", dependencies: ["JSONCore", "RPCCore"]),
        .executableTarget(name: "addigysync", dependencies: ["CLIKit"]),
        // Helpers shared by the tests and the benchmark: a line client and temporary folders.
        .target(name: "TestSupport", dependencies: ["JSONCore"]),
        // Drives arbitrary bytes through framing, classification, params and replies, checking
        // invariants. Used by the libFuzzer target in Fuzz/ and by the corpus replay test.
        .target(name: "FuzzSupport", dependencies: ["RPCTransport", "RPCCore", "JSONCore"]),
        .testTarget(name: "JSONCoreTests", dependencies: ["JSONCore"]),
        .testTarget(
            name: "AddigySimulatorTests", dependencies: ["AddigySimulator", "JSONCore", "TestSupport", "addigy-sim"]
        ),
        .testTarget(name: "MatchingTests", dependencies: ["Matching", "JSONCore"]),
        .testTarget(name: "SyncSchedulerTests", dependencies: ["SyncScheduler"]),
        .testTarget(
            name: "SyncEngineTests",
            dependencies: ["SyncEngine", "AddigyClient", "AddigySimulator", "InventoryStore", "DaemonLog", "JSONCore",
                           "TestSupport"]
        ),
        .testTarget(
            name: "AddigyClientTests",
            dependencies: ["AddigyClient", "AddigySimulator", "JSONCore", "DaemonLog", "TestSupport"]
        ),
        .testTarget(
            name: "RPCTransportTests",
            dependencies: ["RPCTransport", "RPCCore", "JSONCore", "DaemonLog", "TestSupport", "FuzzSupport"]
        ),
        .testTarget(name: "InventoryStoreTests", dependencies: ["InventoryStore", "DaemonLog", "TestSupport"]),
        .testTarget(
            name: "DaemonServerTests",
            dependencies: [
                "DaemonServer", "JSONCore", "RPCCore", "DaemonLog", "InventoryStore", "TestSupport", "AddigySimulator",
                "addigysyncd",
            ]
        ),
        .testTarget(
            name: "CLITests",
            dependencies: ["CLIKit", "JSONCore", "TestSupport", "AddigySimulator", "addigysync", "addigysyncd"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
