import JSONCore

/// Writes JSON indented by two spaces per level, keeping member order as the daemon sent it.
///
/// Strings are escaped by `JSONWriter`, so the output parses as JSON whatever the text contains.
public enum PrettyJSON {
    public static func render(_ value: JSONValue) -> String {
        var output = ""
        write(value, indent: 0, into: &output)
        return output + "\n"
    }

    private static func write(_ value: JSONValue, indent: Int, into output: inout String) {
        let inner = String(repeating: "  ", count: indent + 1)
        let closing = String(repeating: "  ", count: indent)
        switch value {
        case .array(let elements) where !elements.isEmpty:
            output += "[\n"
            for (index, element) in elements.enumerated() {
                output += inner
                write(element, indent: indent + 1, into: &output)
                output += index < elements.count - 1 ? ",\n" : "\n"
            }
            output += closing + "]"
        case .object(let object) where !object.isEmpty:
            output += "{\n"
            for (index, member) in object.members.enumerated() {
                output += inner + JSONValue.string(member.key).description + ": "
                write(member.value, indent: indent + 1, into: &output)
                output += index < object.count - 1 ? ",\n" : "\n"
            }
            output += closing + "}"
        default:
            output += value.description
        }
    }
}
