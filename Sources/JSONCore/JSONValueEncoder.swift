import Foundation

/// Encodes an `Encodable` value into a `JSONValue`, keeping keyed members in encoding order.
///
/// `Date` becomes an ISO 8601 string in UTC with milliseconds, `Data` a base64 string, and
/// `URL` its absolute string. A non-finite `Double` throws, because JSON cannot hold it.
public struct JSONValueEncoder: Sendable {
    public init() {}

    public func encode(_ value: some Encodable) throws -> JSONValue {
        try Self.box(value, codingPath: [])
    }

    static func box(_ value: some Encodable, codingPath: [any CodingKey]) throws -> JSONValue {
        switch value {
        case let json as JSONValue:
            return json
        case let date as Date:
            return .string(ISO8601.string(from: date))
        case let data as Data:
            return .string(data.base64EncodedString())
        case let url as URL:
            return .string(url.absoluteString)
        default:
            let encoder = ValueEncoder(codingPath: codingPath)
            try value.encode(to: encoder)
            return encoder.finish()
        }
    }
}

extension JSONValue: Encodable {
    public func encode(to encoder: any Encoder) throws {
        if let valueEncoder = encoder as? ValueEncoder {
            valueEncoder.node.content = .value(self)
            return
        }
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let flag): try container.encode(flag)
        case .number(let number):
            if let integer = number.int64Value {
                try container.encode(integer)
            } else {
                try container.encode(number.doubleValue ?? 0)
            }
        case .string(let string): try container.encode(string)
        case .array(let elements): try container.encode(elements)
        case .object(let object):
            try container.encode(Dictionary(object.members, uniquingKeysWith: { _, last in last }))
        }
    }
}

/// A node of the tree being encoded. Containers hold references to their nodes, so a nested
/// container can be filled after its parent has moved on; `ValueEncoder.finish` turns the
/// tree into a `JSONValue` once encoding is done.
final class EncodingNode {
    enum Content {
        case empty
        case value(JSONValue)
        case object([(key: String, node: EncodingNode)])
        case array([EncodingNode])
    }

    var content: Content = .empty

    init(_ content: Content = .empty) {
        self.content = content
    }

    func set(_ node: EncodingNode, forKey key: String) {
        guard case .object(var members) = content else { return }
        content = .empty
        if let index = members.lastIndex(where: { $0.key == key }) {
            members[index].node = node
        } else {
            members.append((key, node))
        }
        content = .object(members)
    }

    func append(_ node: EncodingNode) {
        guard case .array(var elements) = content else { return }
        content = .empty
        elements.append(node)
        content = .array(elements)
    }

    var count: Int {
        if case .array(let elements) = content { return elements.count }
        return 0
    }

    func finish() -> JSONValue {
        switch content {
        case .empty: .object(JSONObject())
        case .value(let value): value
        case .object(let members): .object(JSONObject(members.map { (key: $0.key, value: $0.node.finish()) }))
        case .array(let elements): .array(elements.map { $0.finish() })
        }
    }
}

final class ValueEncoder: Encoder {
    let codingPath: [any CodingKey]
    let userInfo: [CodingUserInfoKey: Any] = [:]
    let node: EncodingNode

    init(codingPath: [any CodingKey], node: EncodingNode = EncodingNode()) {
        self.codingPath = codingPath
        self.node = node
    }

    func finish() -> JSONValue {
        node.finish()
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if case .object = node.content {} else { node.content = .object([]) }
        return KeyedEncodingContainer(KeyedContainer<Key>(node: node, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        if case .array = node.content {} else { node.content = .array([]) }
        return UnkeyedContainer(node: node, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        SingleContainer(node: node, codingPath: codingPath)
    }
}

private func encodeDouble(_ value: Double, codingPath: [any CodingKey]) throws -> JSONValue {
    guard let number = JSONNumber(value) else {
        throw EncodingError.invalidValue(
            value,
            .init(codingPath: codingPath, debugDescription: "JSON cannot represent NaN or infinity")
        )
    }
    return .number(number)
}

private struct KeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let node: EncodingNode
    let codingPath: [any CodingKey]

    private func set(_ value: JSONValue, for key: Key) {
        node.set(EncodingNode(.value(value)), forKey: key.stringValue)
    }

    mutating func encodeNil(forKey key: Key) throws { set(.null, for: key) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { set(.bool(value), for: key) }
    mutating func encode(_ value: String, forKey key: Key) throws { set(.string(value), for: key) }
    mutating func encode(_ value: Double, forKey key: Key) throws {
        set(try encodeDouble(value, codingPath: codingPath + [key]), for: key)
    }
    mutating func encode(_ value: Int, forKey key: Key) throws { set(.number(JSONNumber(value)), for: key) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { set(.number(JSONNumber(value)), for: key) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { set(.number(JSONNumber(value)), for: key) }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        set(try JSONValueEncoder.box(value, codingPath: codingPath + [key]), for: key)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type,
        forKey key: Key
    ) -> KeyedEncodingContainer<NestedKey> {
        let child = EncodingNode(.object([]))
        node.set(child, forKey: key.stringValue)
        return ValueEncoder(codingPath: codingPath + [key], node: child).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let child = EncodingNode(.array([]))
        node.set(child, forKey: key.stringValue)
        return ValueEncoder(codingPath: codingPath + [key], node: child).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder {
        superEncoder(forKey: Key(stringValue: "super")!)
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        let child = EncodingNode()
        node.set(child, forKey: key.stringValue)
        return ValueEncoder(codingPath: codingPath + [key], node: child)
    }
}

private struct UnkeyedContainer: UnkeyedEncodingContainer {
    let node: EncodingNode
    let codingPath: [any CodingKey]

    var count: Int { node.count }

    private var elementPath: [any CodingKey] { codingPath + [IndexKey(count)] }

    private func append(_ value: JSONValue) {
        node.append(EncodingNode(.value(value)))
    }

    mutating func encodeNil() throws { append(.null) }
    mutating func encode(_ value: Bool) throws { append(.bool(value)) }
    mutating func encode(_ value: String) throws { append(.string(value)) }
    mutating func encode(_ value: Double) throws { append(try encodeDouble(value, codingPath: elementPath)) }
    mutating func encode(_ value: Int) throws { append(.number(JSONNumber(value))) }
    mutating func encode(_ value: Int64) throws { append(.number(JSONNumber(value))) }
    mutating func encode<T: Encodable>(_ value: T) throws {
        append(try JSONValueEncoder.box(value, codingPath: elementPath))
    }

    mutating func nestedContainer<N: CodingKey>(keyedBy keyType: N.Type) -> KeyedEncodingContainer<N> {
        let child = EncodingNode(.object([]))
        let path = elementPath
        node.append(child)
        return ValueEncoder(codingPath: path, node: child).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let child = EncodingNode(.array([]))
        let path = elementPath
        node.append(child)
        return ValueEncoder(codingPath: path, node: child).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder {
        let child = EncodingNode()
        let path = elementPath
        node.append(child)
        return ValueEncoder(codingPath: path, node: child)
    }
}

private struct SingleContainer: SingleValueEncodingContainer {
    let node: EncodingNode
    let codingPath: [any CodingKey]

    private func set(_ value: JSONValue) {
        node.content = .value(value)
    }

    mutating func encodeNil() throws { set(.null) }
    mutating func encode(_ value: Bool) throws { set(.bool(value)) }
    mutating func encode(_ value: String) throws { set(.string(value)) }
    mutating func encode(_ value: Double) throws { set(try encodeDouble(value, codingPath: codingPath)) }
    mutating func encode(_ value: Float) throws { set(try encodeDouble(Double(value), codingPath: codingPath)) }
    mutating func encode(_ value: Int) throws { set(.number(JSONNumber(value))) }
    mutating func encode(_ value: Int64) throws { set(.number(JSONNumber(value))) }
    mutating func encode(_ value: UInt64) throws { set(.number(JSONNumber(value))) }
    mutating func encode<T: Encodable>(_ value: T) throws {
        set(try JSONValueEncoder.box(value, codingPath: codingPath))
    }
}

private struct IndexKey: CodingKey {
    let intValue: Int?
    var stringValue: String { String(intValue ?? 0) }

    init(_ index: Int) { intValue = index }
    init?(stringValue: String) { return nil }
    init?(intValue: Int) { self.intValue = intValue }
}

/// ISO 8601 timestamps in UTC with millisecond precision, as used throughout the protocol.
///
/// Formatting and parsing are done by hand on the proleptic Gregorian calendar, because the
/// device sync converts several dates per device and Foundation's format style costs
/// microseconds per call. Parsing accepts what Addigy sends too: 0 to 9 fraction digits and a
/// `Z` or a `±HH:MM` offset.
public enum ISO8601 {
    /// Formats `date` at the nearest millisecond, like `2026-12-01T08:00:00.000Z`.
    public static func string(from date: Date) -> String {
        let (seconds, milliseconds) = Int64((date.timeIntervalSince1970 * 1000).rounded())
            .floorQuotientAndRemainder(dividingBy: 1000)
        let (days, secondOfDay) = seconds.floorQuotientAndRemainder(dividingBy: 86_400)
        let (year, month, day) = civilDate(daysSinceEpoch: days)
        var text = ""
        text.reserveCapacity(24)
        append(year, digits: 4, to: &text)
        text.append("-")
        append(month, digits: 2, to: &text)
        text.append("-")
        append(day, digits: 2, to: &text)
        text.append("T")
        append(secondOfDay / 3600, digits: 2, to: &text)
        text.append(":")
        append(secondOfDay / 60 % 60, digits: 2, to: &text)
        text.append(":")
        append(secondOfDay % 60, digits: 2, to: &text)
        text.append(".")
        append(milliseconds, digits: 3, to: &text)
        text.append("Z")
        return text
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS`, an optional fraction of any length, and `Z` or `±HH:MM`.
    /// Returns `nil` for anything else, including out-of-range fields.
    public static func date(from text: String) -> Date? {
        var reader = DigitReader(Array(text.utf8))
        guard let year = reader.number(4), reader.skip("-"), let month = reader.number(2), reader.skip("-"),
            let day = reader.number(2), reader.skip("T") || reader.skip("t") || reader.skip(" "),
            let hour = reader.number(2), reader.skip(":"), let minute = reader.number(2), reader.skip(":"),
            let second = reader.number(2),
            (1...12).contains(month), (1...daysInMonth(year: year, month: month)).contains(day),
            hour < 24, minute < 60, second < 61
        else { return nil }

        var fraction = 0.0
        if reader.skip(".") {
            var scale = 0.1
            var digits = 0
            while let digit = reader.digit() {
                fraction += Double(digit) * scale
                scale /= 10
                digits += 1
            }
            guard digits > 0 else { return nil }
        }

        var offsetSeconds: Int64 = 0
        if !(reader.skip("Z") || reader.skip("z")) {
            guard let sign: Int64 = reader.skip("+") ? 1 : (reader.skip("-") ? -1 : nil),
                let offsetHours = reader.number(2)
            else { return nil }
            _ = reader.skip(":")
            guard let offsetMinutes = reader.number(2) else { return nil }
            offsetSeconds = sign * (offsetHours * 3600 + offsetMinutes * 60)
        }
        guard reader.isAtEnd else { return nil }

        let days = daysSinceEpoch(year: year, month: month, day: day)
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds
        return Date(timeIntervalSince1970: Double(seconds) + fraction)
    }

    // MARK: Calendar arithmetic

    /// Days from 1970-01-01 to a date of the proleptic Gregorian calendar, counting in 400-year
    /// eras of 146,097 days with the year starting in March, so that February ends a year.
    static func daysSinceEpoch(year: Int64, month: Int64, day: Int64) -> Int64 {
        let shiftedYear = month <= 2 ? year - 1 : year
        let (era, yearOfEra) = shiftedYear.floorQuotientAndRemainder(dividingBy: 400)
        let monthFromMarch = (month + 9) % 12
        let dayOfYear = (153 * monthFromMarch + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// Returns the date of a day count since 1970-01-01: the inverse of `daysSinceEpoch`.
    static func civilDate(daysSinceEpoch days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let (era, dayOfEra) = (days + 719_468).floorQuotientAndRemainder(dividingBy: 146_097)
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthFromMarch = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthFromMarch + 2) / 5 + 1
        let month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    static func daysInMonth(year: Int64, month: Int64) -> Int64 {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    private static func append(_ value: Int64, digits: Int, to text: inout String) {
        let string = String(value)
        if string.count < digits {
            text.append(String(repeating: "0", count: digits - string.count))
        }
        text.append(string)
    }

    /// Reads fixed-width numbers and separators from ASCII bytes.
    private struct DigitReader {
        private let bytes: [UInt8]
        private var position = 0

        init(_ bytes: [UInt8]) {
            self.bytes = bytes
        }

        var isAtEnd: Bool { position == bytes.count }

        mutating func digit() -> Int64? {
            guard position < bytes.count, bytes[position] >= 0x30, bytes[position] <= 0x39 else { return nil }
            defer { position += 1 }
            return Int64(bytes[position] - 0x30)
        }

        mutating func number(_ width: Int) -> Int64? {
            var value: Int64 = 0
            for _ in 0..<width {
                guard let digit = digit() else { return nil }
                value = value * 10 + digit
            }
            return value
        }

        mutating func skip(_ character: Character) -> Bool {
            guard position < bytes.count, let ascii = character.asciiValue, bytes[position] == ascii else { return false }
            position += 1
            return true
        }
    }
}

extension Int64 {
    /// Quotient rounded toward negative infinity and a remainder that is never negative.
    func floorQuotientAndRemainder(dividingBy divisor: Int64) -> (quotient: Int64, remainder: Int64) {
        let (quotient, remainder) = quotientAndRemainder(dividingBy: divisor)
        return remainder < 0 ? (quotient - 1, remainder + divisor) : (quotient, remainder)
    }
}
