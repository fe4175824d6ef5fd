/// Formats UTC timestamps the way Addigy sends them: ISO 8601 with a `Z` suffix and 0, 1 or
/// 3 fraction digits, which clients must all accept.
enum WireDate {
    /// Returns `epochSeconds` plus `milliseconds` as `YYYY-MM-DDTHH:MM:SS[.f|.fff]Z`.
    /// `fractionDigits` is 0, 1 or 3; any other value is treated as 3.
    static func string(epochSeconds: Int, milliseconds: Int = 0, fractionDigits: Int = 0) -> String {
        let days = epochSeconds >= 0 ? epochSeconds / 86_400 : (epochSeconds - 86_399) / 86_400
        let secondOfDay = epochSeconds - days * 86_400
        let (year, month, day) = civilDate(daysSinceEpoch: days)

        var text = pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2)
        text += "T" + pad(secondOfDay / 3_600, 2) + ":" + pad(secondOfDay % 3_600 / 60, 2) + ":" + pad(secondOfDay % 60, 2)
        switch fractionDigits {
        case 0: break
        case 1: text += "." + String(milliseconds / 100)
        default: text += "." + pad(milliseconds, 3)
        }
        return text + "Z"
    }

    /// Converts days since 1970-01-01 to a proleptic Gregorian year, month and day, counting
    /// in 400-year eras of 146,097 days.
    private static func civilDate(daysSinceEpoch: Int) -> (year: Int, month: Int, day: Int) {
        let shifted = daysSinceEpoch + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}
