import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Standard output, standard error and the terminal, behind one type so that commands never
/// touch the file descriptors themselves.
public struct Console {
    public var writeOutput: (String) -> Void
    public var writeError: (String) -> Void
    /// Whether standard output is a terminal, which decides between a live progress bar and plain lines.
    public var outputIsTerminal: Bool
    /// Whether standard input is a terminal, which allows prompting.
    public var inputIsTerminal: Bool

    public init(
        writeOutput: @escaping (String) -> Void,
        writeError: @escaping (String) -> Void,
        outputIsTerminal: Bool,
        inputIsTerminal: Bool
    ) {
        self.writeOutput = writeOutput
        self.writeError = writeError
        self.outputIsTerminal = outputIsTerminal
        self.inputIsTerminal = inputIsTerminal
    }

    /// The process's own standard streams. Writes are unbuffered, so a progress line appears at once.
    public static var standard: Console {
        Console(
            writeOutput: { FileHandle.standardOutput.write(Data($0.utf8)) },
            writeError: { FileHandle.standardError.write(Data($0.utf8)) },
            outputIsTerminal: isatty(STDOUT_FILENO) == 1,
            inputIsTerminal: isatty(STDIN_FILENO) == 1
        )
    }

    /// Writes `text` and a newline to standard output.
    public func print(_ text: String = "") {
        writeOutput(text + "\n")
    }

    /// Writes `text` and a newline to standard error.
    public func printError(_ text: String) {
        writeError(text + "\n")
    }
}

/// Reading secrets from the terminal or from standard input.
enum SecretInput {
    /// Turns echo off on the terminal on standard input, prints `prompt` to standard error and reads
    /// one line, so the secret never appears on screen. Echo is restored afterwards.
    ///
    /// Echo goes off before the prompt appears, so nothing typed after the prompt is echoed or discarded.
    static func promptWithoutEcho(_ prompt: String, console: Console) throws -> String {
        var original = termios()
        let hasTerminal = tcgetattr(STDIN_FILENO, &original) == 0
        if hasTerminal {
            var silent = original
            silent.c_lflag &= ~tcflag_t(ECHO)
            silent.c_lflag |= tcflag_t(ECHONL)
            tcsetattr(STDIN_FILENO, TCSANOW, &silent)
        }
        defer {
            if hasTerminal {
                tcsetattr(STDIN_FILENO, TCSANOW, &original)
            }
        }
        console.writeError(prompt)
        guard let line = Swift.readLine(strippingNewline: true) else {
            throw CommandFailure("No API token was entered: standard input ended before a line was read.")
        }
        return line.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Reads all of standard input, trimmed of surrounding whitespace.
    static func readStandardInput() -> String {
        let data = FileHandle.standardInput.readDataToEndOfFile()
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
