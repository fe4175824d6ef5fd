extension StringProtocol {
    /// Returns the text without leading and trailing white space (spaces, tabs, line breaks and
    /// the other Unicode White_Space characters).
    ///
    /// Unlike Foundation's `trimmingCharacters(in:)`, which bridges through `NSString` on Linux,
    /// it returns an untrimmed string without copying, which matters in the device sync, where it
    /// runs for every fact of every device.
    public func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.first, let last = scalars.last else { return "" }
        if !first.properties.isWhitespace && !last.properties.isWhitespace {
            return String(self)
        }
        var start = scalars.startIndex
        var end = scalars.endIndex
        while start < end, scalars[start].properties.isWhitespace {
            start = scalars.index(after: start)
        }
        while end > start, scalars[scalars.index(before: end)].properties.isWhitespace {
            end = scalars.index(before: end)
        }
        return String(String.UnicodeScalarView(scalars[start..<end]))
    }
}
