import Testing

@testable import JSONCore

@Suite struct JSONParserTests {
    @Test func parsesEveryValueKind() throws {
        let value = try JSONParser.parse(#"{"a":[1,-2.5e3,true,false,null,"x"],"b":{}}"#)
        #expect(value["a"]?[0]?.int64Value == 1)
        #expect(value["a"]?[1]?.numberValue?.text == "-2.5e3")
        #expect(value["a"]?[2] == .bool(true))
        #expect(value["a"]?[3] == .bool(false))
        #expect(value["a"]?[4] == .null)
        #expect(value["a"]?[5] == .string("x"))
        #expect(value["b"] == .object(JSONObject()))
    }

    @Test(arguments: ["0", "-1", "2147483648", "9007199254740993", "18446744073709551615", "1.5", "1e2", "-0", "1E+400"])
    func numberKeepsItsText(_ text: String) throws {
        let value = try JSONParser.parse(text)
        #expect(value.numberValue?.text == text)
        #expect(JSONWriter.encode(value) == Array(text.utf8))
    }

    @Test func decodesEscapesAndSurrogatePairs() throws {
        let value = try JSONParser.parse(#""a\"b\\c\/d\n\u00e9\ud83d\ude00""#)
        #expect(value == .string("a\"b\\c/d\né😀"))
    }

    @Test func keepsRawMultibyteCharacters() throws {
        #expect(try JSONParser.parse("\"☃€😀\"") == .string("☃€😀"))
    }

    @Test(arguments: [
        ("{\"a\":1", "unexpected end"),
        ("[1,]", "unexpected character ']'"),
        ("{\"a\" 1}", "unexpected character '1'"),
        ("01", "unexpected content after"),
        ("1.", "invalid number"),
        ("-", "invalid number"),
        ("NaN", "unexpected character 'N'"),
        ("Infinity", "unexpected character 'I'"),
        ("{\"a\":1}{\"b\":2}", "unexpected content after"),
        ("\"\\x\"", "invalid escape"),
        ("\"\\ud800\"", "lone surrogate"),
        ("\"\\udc00\"", "lone surrogate"),
        ("\"a\u{01}b\"", "control character"),
        ("", "unexpected end"),
    ])
    func rejectsInvalidText(_ input: String, _ expectedMessage: String) {
        #expect {
            try JSONParser.parse(input)
        } throws: { error in
            String(describing: error).contains(expectedMessage)
        }
    }

    @Test func rejectsInvalidUTF8InStrings() {
        let bytes: [UInt8] = Array("{\"a\":\"".utf8) + [0xFF, 0xFE] + Array("\"}".utf8)
        #expect(throws: JSONParseError.self) { try JSONParser.parse(bytes) }
    }

    @Test func rejectsTruncatedUTF8Sequence() {
        let bytes: [UInt8] = [0x22, 0xE2, 0x98, 0x22]
        #expect(throws: JSONParseError.self) { try JSONParser.parse(bytes) }
    }

    @Test func rejectsDeepNestingWithoutCrashing() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect {
            try JSONParser.parse(deep)
        } throws: { error in
            (error as? JSONParseError)?.reason == .nestingTooDeep(limit: JSONParser.defaultMaxDepth)
        }
    }

    @Test func acceptsNestingUpToTheLimit() throws {
        let depth = JSONParser.defaultMaxDepth
        let nested = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        _ = try JSONParser.parse(nested)
    }

    @Test func duplicateKeyLookupReturnsLastValue() throws {
        let value = try JSONParser.parse(#"{"a":1,"a":2}"#)
        #expect(value["a"]?.int64Value == 2)
    }
}

@Suite struct JSONWriterTests {
    @Test func escapesWhatJSONRequires() {
        let text = String(decoding: JSONWriter.encode(.string("q\"b\\n\nt\tc\u{01}")), as: UTF8.self)
        #expect(text == #""q\"b\\n\nt\tc\u0001""#)
    }

    @Test func escapesLineAndParagraphSeparators() {
        let text = String(decoding: JSONWriter.encode(.string("a\u{2028}b\u{2029}c\u{85}")), as: UTF8.self)
        #expect(text == "\"a\\u2028b\\u2029c\u{85}\"")
    }

    @Test func keepsMemberOrder() {
        let value: JSONValue = ["z": 1, "a": 2, "m": [true, nil]]
        #expect(value.description == #"{"z":1,"a":2,"m":[true,null]}"#)
    }

    @Test func roundTripsParsedText() throws {
        let text = #"{"jsonrpc":"2.0","id":"🙂","params":{"list":[1,2.5,-3e-7],"s":"a\u2028b"}}"#
        let value = try JSONParser.parse(text)
        #expect(try JSONParser.parse(JSONWriter.encode(value)) == value)
    }
}

@Suite struct JSONValueEncoderTests {
    struct Inner: Encodable {
        let flag: Bool
        let values: [Int]
    }

    struct Outer: Encodable {
        let name: String
        let count: Int
        let ratio: Double
        let inner: Inner
        let optional: String?
    }

    @Test func encodesNestedStructsInDeclarationOrder() throws {
        let value = try JSONValueEncoder().encode(
            Outer(name: "a", count: 3, ratio: 0.5, inner: Inner(flag: true, values: [1, 2]), optional: nil)
        )
        #expect(value.description == #"{"name":"a","count":3,"ratio":0.5,"inner":{"flag":true,"values":[1,2]}}"#)
    }

    @Test func rejectsNonFiniteDoubles() {
        #expect(throws: EncodingError.self) { try JSONValueEncoder().encode([Double.nan]) }
    }
}
