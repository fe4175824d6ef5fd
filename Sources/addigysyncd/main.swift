import DaemonLog
import DaemonServer
import Foundation

#if canImport(Glibc)
import Glibc
#endif

let command: DaemonConfiguration.Command
do {
    command = try DaemonConfiguration.parse(
        arguments: Array(CommandLine.arguments.dropFirst()),
        environment: ProcessInfo.processInfo.environment
    )
} catch {
    FileHandle.standardError.write(Data("addigysyncd: \(error.description)\n".utf8))
    exit(64)
}

switch command {
case .help:
    print(DaemonConfiguration.usage)
case .version:
    print("addigysyncd \(Version.daemon) (protocol \(Version.protocol))")
case .run(let configuration):
    let status = await Daemon.run(configuration, logSink: LogSink(level: configuration.logLevel))
    exit(status)
}
