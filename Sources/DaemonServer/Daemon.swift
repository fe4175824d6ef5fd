import AddigyClient
import DaemonLog
import Dispatch
import Foundation
import InventoryStore
import JSONCore
import RPCTransport
import Synchronization
import SyncScheduler

#if canImport(Glibc)
import Glibc
#endif

/// The daemon's lifecycle: start, serve until SIGTERM or SIGINT, stop cleanly.
public enum Daemon {
    /// Runs the daemon and returns the process exit status: 0 after a clean stop, 1 when it
    /// cannot start (socket in use, database from a newer version, unwritable state folder).
    public static func run(_ configuration: DaemonConfiguration, logSink: LogSink) async -> Int32 {
        let logger = Logger(sink: logSink)
        signal(SIGPIPE, SIG_IGN)
        let stopSignals = SignalWaiter(signals: [SIGTERM, SIGINT])

        let store: Store
        let server: SocketServer<AddigySyncService>
        let environment: ServerEnvironment
        do {
            try prepareDirectories(configuration)
            store = try Store(path: configuration.stateDirectory + "/" + Store.fileName, logger: logger)
            try await DefaultTenant.ensure(in: store, stateDirectory: configuration.stateDirectory, logger: logger)
            let interrupted = try await store.failInterruptedSyncRuns(at: Date())
            if interrupted > 0 {
                logger.warning("marked sync runs of the last daemon as interrupted", [("count", interrupted)])
            }
            (server, environment) = try await startServer(configuration, store: store, logger: logger)
        } catch {
            logger.error("startup failed", [("error", String(describing: error))])
            return 1
        }

        let signalNumber = await stopSignals.wait()
        logger.notice("stopping", [("signal", signalName(signalNumber))])
        let timeout = Duration.milliseconds(Int64(configuration.shutdownTimeoutSeconds * 1000))
        let unfinished = await server.shutdown(timeout: timeout)
        await environment.background.cancelAll()
        await store.close()
        logger.notice("stopped", [("unfinished.connections", unfinished)])
        return 0
    }

    private static func startServer(
        _ configuration: DaemonConfiguration,
        store: Store,
        logger: Logger
    ) async throws -> (SocketServer<AddigySyncService>, ServerEnvironment) {
        let keyPath = configuration.masterKeyFile ?? configuration.stateDirectory + "/" + TokenVault.keyFileName
        let key = try TokenVault.loadKey(at: keyPath, createIfMissing: configuration.masterKeyFile == nil)
        let addigy = AddigyAccess(
            vault: try TokenVault(key: key),
            limiters: RateLimiterRegistry(limits: configuration.addigyRateLimits)
        )
        let environment = ServerEnvironment(
            store: store,
            addigy: addigy,
            stateDirectory: configuration.stateDirectory,
            openRPCDocument: try OpenRPCDocument.parsed()
        )
        startScheduler(environment, logger: logger)
        let service = AddigySyncService(environment: environment, methods: MethodCatalog.all, logger: logger)

        let mode: mode_t = configuration.socketGroupID == nil ? 0o600 : 0o660
        let (listener, replacedStale) = try UnixSocketListener.bind(
            path: configuration.socketPath,
            mode: mode,
            groupID: configuration.socketGroupID
        )
        if replacedStale {
            logger.notice("replaced stale socket file", [("socket", configuration.socketPath)])
        }

        var limits = TransportLimits()
        limits.maxLineBytes = configuration.maxLineBytes
        limits.maxConnections = configuration.maxConnections
        let server = SocketServer(listener: listener, service: service, limits: limits, logger: logger)
        server.start()
        logger.notice(
            "listening",
            [("socket", configuration.socketPath), ("state.dir", configuration.stateDirectory),
             ("version", Version.daemon), ("pid", getpid())]
        )
        return (server, environment)
    }

    /// Runs the schedule of every integration in the background: policies daily at 02:00 UTC and
    /// devices every 4 hours, each shifted by the integration's offset. Shutdown cancels it.
    private static func startScheduler(_ environment: ServerEnvironment, logger: Logger) {
        let store = environment.store
        let logger = logger.with("component", "scheduler")
        let known = Mutex<[ScheduledIntegration]>([])
        let scheduler = SchedulerLoop(
            schedule: environment.schedule,
            integrations: {
                do {
                    let schedules = try await store.integrationSchedules().map { entry in
                        ScheduledIntegration(
                            id: entry.id, createdAt: entry.createdAt,
                            lastRuns: Dictionary(uniqueKeysWithValues: entry.lastRuns.compactMap { name, date in
                                SyncScope(rawValue: name).map { ($0, date) }
                            })
                        )
                    }
                    known.withLock { $0 = schedules }
                    return schedules
                } catch {
                    logger.error("reading integrations for the schedule failed", [("error", String(describing: error))])
                    return known.withLock { $0 }
                }
            },
            startRun: { integrationID, scope in
                do {
                    guard let tenantID = try await store.tenantID(ofIntegration: integrationID) else { return }
                    _ = try await environment.sync.start(
                        integrationID: integrationID, tenantID: tenantID,
                        scope: scope == .policies ? .policies : .devices, trigger: "schedule",
                        environment: environment, logger: logger
                    )
                } catch {
                    logger.error("starting a scheduled sync failed",
                                 [("integration.id", integrationID), ("error", String(describing: error))])
                }
            }
        )
        environment.sync.onRunFinished {
            Task { await scheduler.wake() }
        }
        environment.background.start {
            do {
                try await scheduler.run()
            } catch {
                logger.error("the scheduler stopped", [("error", String(describing: error))])
            }
        }
    }

    /// Creates the state folder (mode 0700) and, for the default socket path, its private
    /// parent folder. An explicit --socket path's folder must already exist.
    private static func prepareDirectories(_ configuration: DaemonConfiguration) throws {
        try makePrivateDirectory(configuration.stateDirectory, purpose: "state folder")
        if configuration.isDefaultSocketPath {
            let parent = (configuration.socketPath as NSString).deletingLastPathComponent
            try makePrivateDirectory(parent, purpose: "socket folder")
        }
    }

    private static func makePrivateDirectory(_ path: String, purpose: String) throws {
        var status = stat()
        if stat(path, &status) == 0 {
            guard (status.st_mode & S_IFMT) == S_IFDIR else {
                throw DaemonError("The \(purpose) \(path) exists and is not a folder. Remove it or choose another path.")
            }
            return
        }
        do {
            try FileManager.default.createDirectory(
                atPath: path,
                withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o700]
            )
        } catch {
            throw DaemonError("Cannot create the \(purpose) \(path): \(error.localizedDescription)")
        }
    }

    private static func signalName(_ number: Int32) -> String {
        switch number {
        case SIGTERM: "SIGTERM"
        case SIGINT: "SIGINT"
        default: "signal \(number)"
        }
    }
}

/// Turns SIGTERM and SIGINT into an awaitable event, through Dispatch signal sources so that
/// no code runs inside a signal handler.
final class SignalWaiter: @unchecked Sendable {
    private let queue = DispatchQueue(label: "addigysync.signals")
    private var sources: [any DispatchSourceSignal] = []
    private var received: Int32?
    private var continuation: CheckedContinuation<Int32, Never>?

    init(signals: [Int32]) {
        for number in signals {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { [unowned self] in deliver(number) }
            source.resume()
            sources.append(source)
        }
    }

    private func deliver(_ number: Int32) {
        if let continuation {
            self.continuation = nil
            continuation.resume(returning: number)
        } else if received == nil {
            received = number
        }
    }

    /// Waits for the first of the signals; returns at once if one already arrived.
    func wait() async -> Int32 {
        await withCheckedContinuation { continuation in
            queue.async { [self] in
                if let received {
                    continuation.resume(returning: received)
                } else {
                    self.continuation = continuation
                }
            }
        }
    }
}
