/// A table of text aligned in columns, for human-readable output.
///
/// Columns are separated by two spaces, and the header is upper case. Cells are padded by their
/// count of Unicode characters (grapheme clusters), which keeps names with accents aligned.
/// Trailing spaces are trimmed from every line.
public struct TextTable {
    public enum Alignment {
        case left
        case right
    }

    public struct Column {
        public let title: String
        public let alignment: Alignment
        /// The widest a cell may be; longer cells are cut and end in "…". Nil for no limit.
        public let maxWidth: Int?

        public init(_ title: String, alignment: Alignment = .left, maxWidth: Int? = nil) {
            self.title = title
            self.alignment = alignment
            self.maxWidth = maxWidth
        }
    }

    public let columns: [Column]
    public private(set) var rows: [[String]] = []

    public init(_ columns: [Column]) {
        self.columns = columns
    }

    /// Creates a table of left-aligned columns.
    public init(titles: [String]) {
        self.columns = titles.map { Column($0) }
    }

    public mutating func append(_ row: [String]) {
        precondition(row.count == columns.count, "a table row needs one cell per column")
        rows.append(row)
    }

    public var isEmpty: Bool { rows.isEmpty }

    /// Renders the table as lines of text, each ending in a newline.
    public func render() -> String {
        let cells = rows.map { row in
            row.enumerated().map { index, cell in Self.cut(cell, to: columns[index].maxWidth) }
        }
        var widths = columns.map { $0.title.count }
        for row in cells {
            for (index, cell) in row.enumerated() {
                widths[index] = max(widths[index], cell.count)
            }
        }

        var output = ""
        let header = columns.enumerated().map { index, column in
            Self.pad(column.title.uppercased(), to: widths[index], alignment: column.alignment)
        }
        output += Self.line(header)
        for row in cells {
            let padded = row.enumerated().map { index, cell in
                Self.pad(cell, to: widths[index], alignment: columns[index].alignment)
            }
            output += Self.line(padded)
        }
        return output
    }

    private static func line(_ cells: [String]) -> String {
        var text = cells.joined(separator: "  ")
        while text.last == " " {
            text.removeLast()
        }
        return text + "\n"
    }

    private static func pad(_ text: String, to width: Int, alignment: Alignment) -> String {
        let padding = String(repeating: " ", count: max(0, width - text.count))
        return alignment == .left ? text + padding : padding + text
    }

    private static func cut(_ text: String, to width: Int?) -> String {
        let singleLine = text.replacingOccurrences(of: "\n", with: " ")
        guard let width, singleLine.count > width, width > 1 else { return singleLine }
        return String(singleLine.prefix(width - 1)) + "…"
    }
}

/// Lines of `label  value` pairs with the labels padded to one width, indented by `indent` spaces.
public func keyValueLines(_ pairs: [(String, String)], indent: Int = 2) -> String {
    let width = pairs.map(\.0.count).max() ?? 0
    let prefix = String(repeating: " ", count: indent)
    return pairs.map { label, value in
        prefix + label + String(repeating: " ", count: width - label.count + 2) + value + "\n"
    }.joined()
}
