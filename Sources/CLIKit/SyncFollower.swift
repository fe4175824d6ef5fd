import Foundation
import JSONCore

/// Starts a sync run and shows its progress until it finishes (`sync now --follow`).
///
/// It subscribes to the `sync.progress` and `sync.finished` events before it starts the run, so
/// no event of the run is missed. A daemon without `events.subscribe` (error -32601) is polled
/// with `sync.history` every 200 ms instead, until the run leaves `running`.
struct SyncFollower {
    static let pollInterval: Double = 0.2
    /// How long to wait for an event before checking the run's history, in case an event was lost.
    static let eventSilenceCheck: Double = 5

    let context: CommandContext
    let integrationID: String
    let scope: String

    func run() throws {
        let subscriptionID = try subscribe()
        let started = try context.call(
            "sync.start", ["integrationId": .string(integrationID), "scope": .string(scope)]
        )
        guard let runID = started["runId"]?.stringValue else {
            throw CommandFailure("The daemon's sync.start reply has no runId: \(started).")
        }
        let display = ProgressDisplay(console: context.console, quiet: context.wantsJSON)
        display.started(runID: runID, scope: Format.text(started["scope"]), joined: started["started"]?.boolValue == false,
                        polling: subscriptionID == nil)

        let run: JSONValue
        if let subscriptionID {
            run = try followEvents(runID: runID, subscriptionID: subscriptionID, display: display)
            _ = try? context.call("events.unsubscribe", ["subscriptionId": .string(subscriptionID)])
        } else {
            run = try poll(runID: runID, display: display)
        }
        display.clear()
        context.emit(run) { Self.summary(run) }
        if let failure = Self.failure(of: run) {
            throw failure
        }
    }

    /// Subscribes to this integration's sync events; nil when the daemon has no `events.subscribe`.
    private func subscribe() throws -> String? {
        do {
            let result = try context.call("events.subscribe", [
                "topics": ["sync.progress", "sync.finished"], "integrationId": .string(integrationID),
            ])
            return result["subscriptionId"]?.stringValue
        } catch let error as DaemonError where error.isMethodNotFound {
            return nil
        }
    }

    private func followEvents(runID: String, subscriptionID: String, display: ProgressDisplay) throws -> JSONValue {
        let connection = try context.connection()
        while true {
            guard let event = try connection.nextNotification(timeout: Self.eventSilenceCheck) else {
                if let run = try historyRun(runID), run["status"]?.stringValue != "running" {
                    return run
                }
                continue
            }
            let params = event.params
            if let subscription = params["subscriptionId"]?.stringValue, subscription != subscriptionID {
                continue
            }
            guard params["runId"]?.stringValue == runID else { continue }
            switch event.method {
            case "sync.progress":
                display.progress(params)
            case "sync.finished":
                // The history contains the details (warnings, moves), so the event is only the fallback.
                if let run = try historyRun(runID), run["status"]?.stringValue != "running" {
                    return run
                }
                return params
            default:
                continue
            }
        }
    }

    private func poll(runID: String, display: ProgressDisplay) throws -> JSONValue {
        let start = Date()
        var misses = 0
        while true {
            if let run = try historyRun(runID) {
                if run["status"]?.stringValue != "running" {
                    return run
                }
                display.waiting(elapsed: Date().timeIntervalSince(start), run: run)
            } else {
                misses += 1
                if Double(misses) * Self.pollInterval > 10 {
                    throw CommandFailure(
                        "Sync run \(runID) does not appear in sync.history. Check it later with `addigysync sync history`."
                    )
                }
            }
            Thread.sleep(forTimeInterval: Self.pollInterval)
        }
    }

    /// Finds the run in the newest page of `sync.history`; returns nil when it is not there.
    private func historyRun(_ runID: String) throws -> JSONValue? {
        let history = try context.call("sync.history", ["integrationId": .string(integrationID), "limit": 50])
        return history["items"]?.elements.first { $0["runId"]?.stringValue == runID }
    }

    static func summary(_ run: JSONValue) -> String {
        let status = Format.text(run["status"])
        let took = Format.duration(from: run["startedAt"], to: run["finishedAt"]).map { " in \($0)" } ?? ""
        var text = "Sync run \(Format.text(run["runId"])) (\(Format.text(run["scope"]))) \(status)\(took).\n"
        for part in run["counts"]?.objectValue ?? [:] {
            if let counts = part.value.objectValue {
                text += "  \(part.key): \(Format.counts(counts))\n"
            }
        }
        for part in run["details"]?.objectValue ?? [:] {
            for warning in part.value["warnings"]?.elements ?? [] {
                text += "Warning (\(part.key)): \(Format.text(warning))\n"
            }
        }
        return text
    }
}

extension SyncFollower {
    /// Returns the failure to throw for a finished run that did not succeed, or nil when it succeeded.
    static func failure(of run: JSONValue) -> CommandFailure? {
        let status = run["status"]?.stringValue ?? "unknown"
        guard status != "succeeded" else { return nil }
        let error = run["error"] ?? .null
        let reason = error.isNull ? "no reason given" : Format.text(error["reason"])
        let message = error.isNull ? "" : " " + Format.text(error["message"])
        return CommandFailure(
            "Sync run \(Format.text(run["runId"])) \(status) (\(reason)).\(message) Run `addigysync status` to see the "
                + "integration's last error, then start the run again with `addigysync sync now`."
        )
    }
}

/// The progress of a followed run: a live line redrawn with `\r` on a terminal, plain lines otherwise.
final class ProgressDisplay {
    static let barWidth = 24

    private let console: Console
    private let quiet: Bool
    private var lastPlainLine = ""
    private var lastWaitingReport = 0.0
    private var spinnerIndex = 0
    private var lineIsDrawn = false

    init(console: Console, quiet: Bool) {
        self.console = console
        self.quiet = quiet
    }

    func started(runID: String, scope: String, joined: Bool, polling: Bool) {
        guard !quiet else { return }
        let verb = joined ? "Joined the running" : "Started"
        console.print("\(verb) \(scope) sync run \(runID).")
        if polling && !console.outputIsTerminal {
            console.print("The daemon sends no progress events, so the run's history is checked every 200 ms.")
        }
    }

    /// Shows one `sync.progress` event.
    func progress(_ params: JSONValue) {
        guard !quiet else { return }
        let pagesDone = params["pagesDone"]?.intValue ?? 0
        let pageCount = params["pageCount"]?.int64Value.map(Int.init)
        var pages = "page \(pagesDone)"
        if let pageCount {
            pages += " of \(pageCount)"
        }
        let phase = Format.text(params["phase"])
        var line = "\(phase): \(pages), \(params["devicesSeen"]?.intValue ?? 0) devices seen, "
            + "\(params["staged"]?.intValue ?? 0) staged, \(params["imported"]?.intValue ?? 0) imported, "
            + "\(params["failed"]?.intValue ?? 0) failed"
        if phase != "devices" || pagesDone == 0 {
            // Policies come in one request, and before the first device page there is nothing to count.
            line = "\(phase): syncing"
        }
        let dropped = params["dropped"]?.intValue ?? 0

        if console.outputIsTerminal {
            let bar: String
            if let pageCount, pageCount > 0 {
                let fraction = min(1, Double(pagesDone) / Double(pageCount))
                let filled = Int((fraction * Double(Self.barWidth)).rounded())
                bar = "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: Self.barWidth - filled)
                    + "] " + String(format: "%3d%%", Int(fraction * 100))
            } else {
                bar = "[" + spinner() + "]"
            }
            draw("\(bar) \(line)")
        } else {
            if dropped > 0 {
                line += " (\(dropped) earlier progress updates skipped)"
            }
            if line != lastPlainLine {
                console.print(line)
                lastPlainLine = line
            }
        }
    }

    /// Shows a run that is still going while its history is polled.
    func waiting(elapsed: Double, run: JSONValue) {
        guard !quiet else { return }
        if console.outputIsTerminal {
            draw("[\(spinner())] \(Format.text(run["scope"])) sync running, \(Format.seconds(elapsed))")
        } else if elapsed - lastWaitingReport >= 10 {
            lastWaitingReport = elapsed
            console.print("Still running after \(Format.seconds(elapsed)).")
        }
    }

    /// Erases the live line, so that the summary starts on a clean line.
    func clear() {
        if lineIsDrawn {
            console.writeOutput("\r\u{1B}[K")
            lineIsDrawn = false
        }
    }

    private func draw(_ line: String) {
        console.writeOutput("\r\u{1B}[K" + line)
        lineIsDrawn = true
    }

    private func spinner() -> String {
        let frames = ["|", "/", "-", "\\"]
        spinnerIndex = (spinnerIndex + 1) % frames.count
        return frames[spinnerIndex]
    }
}
