// addigysync: the command-line client of the AddigySync daemon. Everything lives in CLIKit.
import CLIKit
import Foundation

let status = AddigySyncCLI.run(
    arguments: Array(CommandLine.arguments.dropFirst()),
    environment: ProcessInfo.processInfo.environment,
    console: .standard
)
exit(status)
