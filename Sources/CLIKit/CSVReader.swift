/// A CSV parser for comma-separated text as RFC 4180 describes it.
///
/// Fields may be quoted with `"`. A quoted field may contain commas, line breaks and `""` for a
/// quote. Lines end in LF or CRLF. A byte order mark at the start is skipped.
public enum CSVReader {
    public struct Failure: Error, Equatable {
        /// The 1-based line where the problem was found.
        public let line: Int
        public let message: String
    }

    /// A record with the line it starts on.
    public struct Record: Equatable {
        public let line: Int
        public let fields: [String]
    }

    /// Returns the records of `text`. Blank lines are skipped.
    public static func parse(_ text: String) throws(Failure) -> [Record] {
        var records: [Record] = []
        var fields: [String] = []
        var field = ""
        var line = 1
        var recordLine = 1
        var inQuotes = false
        var fieldWasQuoted = false
        var characters = text.unicodeScalars[...]
        if characters.first == "\u{FEFF}" {
            characters = characters.dropFirst()
        }

        func endRecord() {
            fields.append(field)
            let isBlank = fields.count == 1 && fields[0].isEmpty && !fieldWasQuoted
            if !isBlank {
                records.append(Record(line: recordLine, fields: fields))
            }
            fields = []
            field = ""
            fieldWasQuoted = false
        }

        while let scalar = characters.popFirst() {
            if inQuotes {
                if scalar == "\"" {
                    if characters.first == "\"" {
                        characters = characters.dropFirst()
                        field.unicodeScalars.append("\"")
                    } else {
                        inQuotes = false
                    }
                } else {
                    if scalar == "\n" {
                        line += 1
                    }
                    field.unicodeScalars.append(scalar)
                }
                continue
            }
            switch scalar {
            case "\"":
                guard field.isEmpty && !fieldWasQuoted else {
                    throw Failure(line: line, message: "a quote appears inside an unquoted field; quote the whole field and double the quote")
                }
                inQuotes = true
                fieldWasQuoted = true
            case ",":
                fields.append(field)
                field = ""
                fieldWasQuoted = false
            case "\r" where characters.first == "\n":
                continue
            case "\n":
                endRecord()
                line += 1
                recordLine = line
            default:
                if fieldWasQuoted {
                    throw Failure(line: line, message: "text follows a closing quote; put a comma after the quoted field")
                }
                field.unicodeScalars.append(scalar)
            }
        }
        if inQuotes {
            throw Failure(line: recordLine, message: "a quoted field is not closed before the end of the file")
        }
        if !field.isEmpty || !fields.isEmpty || fieldWasQuoted {
            endRecord()
        }
        return records
    }
}
