import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The `addigysync` program: parses the command line, runs the command and maps failures to
/// exit statuses.
public enum AddigySyncCLI {
    public static let version = "0.1.0"

    public static let exitSuccess: Int32 = 0
    public static let exitFailure: Int32 = 1
    /// `EX_USAGE` from sysexits.h: the command line was wrong.
    public static let exitUsage: Int32 = 64

    /// Runs one command line (without the program name) and returns the exit status.
    public static func run(arguments: [String], environment: [String: String], console: Console) -> Int32 {
        let nodes = CommandCatalog.nodes()
        var words = arguments
        if words.first == "help" {
            words = Array(words.dropFirst()) + ["--help"]
        }
        if words == ["--version"] {
            console.print("addigysync \(version)")
            return exitSuccess
        }

        let parsed: ParsedArguments
        do {
            parsed = try ArgumentParser(nodes: nodes).parse(words)
        } catch let error as UsageError {
            return reportUsage(error, nodes: nodes, console: console)
        } catch {
            console.printError("addigysync: \(error)")
            return exitFailure
        }

        if parsed.wantsHelp {
            if let command = parsed.command {
                console.writeOutput(HelpText.command(command))
            } else if let group = parsed.group {
                console.writeOutput(HelpText.group(group))
            } else {
                console.writeOutput(HelpText.topLevel(nodes))
            }
            return exitSuccess
        }
        guard let command = parsed.command else {
            return reportUsage(UsageError("Missing a command."), nodes: nodes, console: console)
        }

        let context = CommandContext(console: console, environment: environment, arguments: parsed)
        do {
            try command.action(context, parsed)
            return exitSuccess
        } catch let error as UsageError {
            return reportUsage(error, nodes: nodes, console: console)
        } catch let error as CommandFailure {
            console.printError("addigysync: \(error.message)")
            return exitFailure
        } catch let error as DaemonError {
            console.printError("addigysync: \(error.displayMessage)")
            return exitFailure
        } catch {
            console.printError("addigysync: \(error)")
            return exitFailure
        }
    }

    private static func reportUsage(_ error: UsageError, nodes: [CommandNode], console: Console) -> Int32 {
        let helpCommand = (["addigysync"] + error.commandPath + ["--help"]).joined(separator: " ")
        console.printError("addigysync: \(error.message)")
        console.printError(HelpText.usageLine(for: error.commandPath, nodes: nodes))
        console.printError("Run '\(helpCommand)' for more information.")
        return exitUsage
    }
}
