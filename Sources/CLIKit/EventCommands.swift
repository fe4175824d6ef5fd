import Foundation
import JSONCore

/// `events follow`: prints the daemon's event notifications as they arrive.
enum EventCommands {
    static let defaultTopics = ["sync.progress", "sync.finished", "devices.imported", "integration.status"]

    static func group() -> CommandGroup {
        CommandGroup("events", summary: "Follow the daemon's events.", commands: [follow])
    }

    static let follow = CommandSpec(
        ["events", "follow"],
        summary: "Print events as they arrive, until interrupted.",
        details: "Prints one line per event: the time it arrived, its topic and its fields. With --json each line "
            + "is a JSON object with method and params. Stop it with Ctrl-C, or give --count.",
        options: [
            OptionSpec("--topics", value: "LIST",
                       help: "comma-separated topics, or repeat the option (default: \(defaultTopics.joined(separator: ",")))",
                       repeatable: true),
            OptionSpec("--integration", value: "ID", help: "only events of this integration (default: all integrations)"),
            OptionSpec("--count", value: "N", help: "exit after N events"),
        ],
        examples: ["events follow --topics sync.progress,sync.finished"],
        action: runFollow
    )

    static func runFollow(_ context: CommandContext, _ arguments: ParsedArguments) throws {
        let count = try arguments.integer("--count", in: 1...Int.max)
        var topics = arguments.values("--topics")
            .flatMap { $0.split(separator: ",") }
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
        if topics.isEmpty {
            if !arguments.values("--topics").isEmpty {
                throw arguments.usageError("--topics needs at least one topic, such as sync.finished.")
            }
            topics = defaultTopics
        }
        var params: JSONObject = ["topics": .array(topics.map(JSONValue.string))]
        if arguments.value("--integration") != nil {
            params["integrationId"] = .string(try context.integrationID())
        }

        let subscription: JSONValue
        do {
            subscription = try context.call("events.subscribe", params)
        } catch let error as DaemonError where error.isMethodNotFound {
            throw CommandFailure(
                "This daemon cannot send events yet: \(error.displayMessage) Update addigysyncd, or check sync runs "
                    + "with `addigysync sync history`."
            )
        }
        let subscriptionID = subscription["subscriptionId"]?.stringValue
        if !context.wantsJSON {
            context.console.print("Following \(topics.joined(separator: ", ")). Press Ctrl-C to stop.")
        }

        let connection = try context.connection()
        var received = 0
        while count.map({ received < $0 }) ?? true {
            guard let event = try connection.nextNotification(timeout: 3600) else { continue }
            if let id = event.params["subscriptionId"]?.stringValue, let subscriptionID, id != subscriptionID {
                continue
            }
            received += 1
            if context.wantsJSON {
                context.console.print(JSONValue.object(["method": .string(event.method), "params": event.params]).description)
            } else {
                context.console.print(describe(event))
            }
        }
    }

    /// Formats an event as one line: arrival time, topic, then `key=value` for each field but the subscription id.
    static func describe(_ event: Notification) -> String {
        let time = ISO8601DateFormatter().string(from: Date())
        let fields = (event.params.objectValue ?? [:]).members
            .filter { $0.key != "subscriptionId" }
            .map { member -> String in
                switch member.value {
                case .object, .array: "\(member.key)=\(member.value.description)"
                default: "\(member.key)=\(Format.text(member.value))"
                }
            }
        return ([time, event.method] + fields).joined(separator: " ")
    }
}
