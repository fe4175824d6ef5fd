import DaemonLog
import Testing

@testable import DaemonServer

@Suite struct ConfigurationTests {
    private func configuration(_ arguments: [String], _ environment: [String: String] = [:]) throws
        -> DaemonConfiguration
    {
        guard case .run(let configuration) = try DaemonConfiguration.parse(arguments: arguments, environment: environment)
        else {
            throw DaemonConfiguration.UsageError(description: "expected a run command")
        }
        return configuration
    }

    @Test func defaultsFollowXDGFolders() throws {
        let config = try configuration([], ["XDG_RUNTIME_DIR": "/run/user/7", "XDG_STATE_HOME": "/home/u/.state"])
        #expect(config.socketPath == "/run/user/7/addigysync.sock")
        #expect(config.isDefaultSocketPath)
        #expect(config.stateDirectory == "/home/u/.state/addigysync")
        #expect(config.logLevel == .info)
        #expect(config.maxLineBytes == 4 * 1024 * 1024)
    }

    @Test func withoutRuntimeDirSocketGoesToPrivateTmpFolder() throws {
        let config = try configuration([], ["HOME": "/home/u"])
        #expect(config.socketPath.hasPrefix("/tmp/addigysync-"))
        #expect(config.stateDirectory == "/home/u/.local/state/addigysync")
    }

    @Test func environmentSetsOptions() throws {
        let config = try configuration([], [
            "ADDIGYSYNC_SOCKET": "/tmp/x.sock",
            "ADDIGYSYNC_STATE_DIR": "/tmp/state",
            "ADDIGYSYNC_LOG_LEVEL": "debug",
            "ADDIGYSYNC_MAX_LINE_BYTES": "2048",
        ])
        #expect(config.socketPath == "/tmp/x.sock")
        #expect(!config.isDefaultSocketPath)
        #expect(config.stateDirectory == "/tmp/state")
        #expect(config.logLevel == .debug)
        #expect(config.maxLineBytes == 2048)
    }

    @Test func optionsWinOverEnvironment() throws {
        let config = try configuration(
            ["--socket", "/tmp/a.sock", "--log-level=warning"],
            ["ADDIGYSYNC_SOCKET": "/tmp/b.sock", "ADDIGYSYNC_LOG_LEVEL": "debug"]
        )
        #expect(config.socketPath == "/tmp/a.sock")
        #expect(config.logLevel == .warning)
    }

    @Test(arguments: [
        (["--bogus"], "Unknown option '--bogus'"),
        (["--socket"], "needs a value"),
        (["--log-level", "loud"], "Invalid --log-level 'loud'"),
        (["--max-line-bytes", "-5"], "Invalid --max-line-bytes '-5'"),
        (["--socket-group", "no-such-group-xyz"], "Unknown --socket-group"),
    ])
    func badUsageNamesTheOption(_ arguments: [String], _ message: String) {
        #expect {
            try DaemonConfiguration.parse(arguments: arguments, environment: [:])
        } throws: { error in
            String(describing: error).contains(message)
        }
    }

    @Test func helpAndVersionCommands() throws {
        #expect(try DaemonConfiguration.parse(arguments: ["--help"], environment: [:]) == .help)
        #expect(try DaemonConfiguration.parse(arguments: ["--version"], environment: [:]) == .version)
    }

    @Test func binaryPrintsHelpAndRejectsBadUsage() async throws {
        let (helpStatus, help, _) = try await runCommand(DaemonProcess.binaryPath, ["--help"])
        #expect(helpStatus == 0)
        #expect(help.contains("Usage: addigysyncd"))
        #expect(help.contains("ADDIGYSYNC_STATE_DIR"))
        let (badStatus, _, errors) = try await runCommand(DaemonProcess.binaryPath, ["--frobnicate"])
        #expect(badStatus == 64)
        #expect(errors.contains("Unknown option '--frobnicate'"))
    }
}

@Suite struct AddigyOptionTests {
    @Test func rateOptionsSetLimits() throws {
        guard case .run(let config) = try DaemonConfiguration.parse(
            arguments: ["--addigy-rate", "5", "--addigy-burst=120", "--master-key-file", "/keys/m.key"],
            environment: [:]
        ) else {
            Issue.record("expected a run command")
            return
        }
        #expect(config.addigyRateLimits.perSecond == 5)
        #expect(config.addigyRateLimits.perTenSeconds == 120)
        #expect(config.masterKeyFile == "/keys/m.key")
    }

    @Test func rateAboveCeilingIsBadUsage() {
        #expect {
            try DaemonConfiguration.parse(arguments: ["--addigy-burst", "1000"], environment: [:])
        } throws: { error in
            String(describing: error).contains("Invalid --addigy-burst '1000'")
        }
    }
}
