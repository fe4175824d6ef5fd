import Foundation
import JSONCore

/// Turning what a user types (an id or a name) into the ids the daemon expects.
extension CommandContext {
    /// Returns whether `text` has the shape of the daemon's ids: a UUID.
    static func isUUID(_ text: String) -> Bool {
        UUID(uuidString: text) != nil
    }

    /// Resolves `--integration ID` (an id or a name) to an integration id, else picks the tenant's only integration.
    ///
    /// Throws `UsageError` naming the choices when the tenant has several, and `CommandFailure`
    /// saying how to connect one when it has none.
    public func integrationID() throws -> String {
        let integrations = try allItems("integration.list")
        let given = arguments.value("--integration")
        if let given {
            if let match = integrations.first(where: { $0["integrationId"]?.stringValue == given }) {
                return match["integrationId"]?.stringValue ?? given
            }
            let named = integrations.filter { $0["name"]?.stringValue?.lowercased() == given.lowercased() }
            if named.count == 1, let id = named[0]["integrationId"]?.stringValue {
                return id
            }
            if named.count > 1 {
                throw arguments.usageError(
                    "Several integrations are named '\(given)'. Pass --integration with one of the ids: "
                        + "\(Self.describeIntegrations(named))."
                )
            }
            if Self.isUUID(given) {
                // Let the daemon report the unknown id in its own words (4004).
                return given
            }
            throw CommandFailure(
                "No integration has the id or name '\(given)'. The integrations are: "
                    + "\(integrations.isEmpty ? "none" : Self.describeIntegrations(integrations)). "
                    + "Run `addigysync status` to list them."
            )
        }
        switch integrations.count {
        case 0:
            throw CommandFailure(
                "This tenant has no Addigy integration yet. Connect one with `addigysync connect`."
            )
        case 1:
            return integrations[0]["integrationId"]?.stringValue ?? ""
        default:
            throw arguments.usageError(
                "This tenant has \(integrations.count) integrations, so pass --integration with one of: "
                    + "\(Self.describeIntegrations(integrations))."
            )
        }
    }

    private static func describeIntegrations(_ integrations: [JSONValue]) -> String {
        integrations.map { "\(Format.text($0["integrationId"])) (\(Format.text($0["name"])))" }
            .joined(separator: ", ")
    }

    /// Resolves a company id or name to its id. Names match without regard to case.
    public func companyID(_ text: String) throws -> String {
        if Self.isUUID(text) {
            return text.lowercased()
        }
        let candidates = try allItems("companies.list", ["search": .string(text)])
        if let match = candidates.first(where: { $0["name"]?.stringValue?.lowercased() == text.lowercased() }),
            let id = match["companyId"]?.stringValue
        {
            return id
        }
        let similar = candidates.prefix(5).map { "'\(Format.text($0["name"]))'" }
        let hint = similar.isEmpty ? "" : " Names that contain it: \(similar.joined(separator: ", "))."
        throw CommandFailure(
            "No company is named '\(text)'.\(hint) List companies with `addigysync companies list`, or add one "
                + "with `addigysync companies add NAME`."
        )
    }

    /// Resolves an asset type id or name to its id. Names match without regard to case.
    public func assetTypeID(_ text: String) throws -> String {
        if Self.isUUID(text) {
            return text.lowercased()
        }
        let assetTypes = try allItems("assetTypes.list")
        if let match = assetTypes.first(where: { $0["name"]?.stringValue?.lowercased() == text.lowercased() }),
            let id = match["assetTypeId"]?.stringValue
        {
            return id
        }
        let names = assetTypes.map { "'\(Format.text($0["name"]))'" }
        throw CommandFailure(
            "No asset type is named '\(text)'. The asset types are: "
                + "\(names.isEmpty ? "none" : names.joined(separator: ", ")). Create one with "
                + "`addigysync asset-types create NAME`, or run `addigysync types create` to create one per device type."
        )
    }

    /// Resolves `text` to an Addigy policy id. It may be a policy id, a full path such as
    /// "Acme Corp / Laptops", or a name that only one policy has.
    public func policyID(_ text: String, integrationID: String) throws -> String {
        let policies = try allItems("policies.list", ["integrationId": .string(integrationID)])
        if policies.contains(where: { $0["policyId"]?.stringValue == text }) {
            return text
        }
        let wanted = text.lowercased()
        let byPath = policies.filter { Format.path($0["path"]).lowercased() == wanted }
        if byPath.count == 1, let id = byPath[0]["policyId"]?.stringValue {
            return id
        }
        let byName = policies.filter { $0["name"]?.stringValue?.lowercased() == wanted }
        if byName.count == 1, let id = byName[0]["policyId"]?.stringValue {
            return id
        }
        if byName.count > 1 {
            let paths = byName.prefix(5).map { "'\(Format.path($0["path"]))'" }.joined(separator: ", ")
            throw CommandFailure(
                "\(byName.count) policies are named '\(text)', such as \(paths). Pass the full path in quotes or "
                    + "the policy id from `addigysync policies list`."
            )
        }
        throw CommandFailure(
            "No policy has the id, path or name '\(text)'. List the policies with `addigysync policies list`, and "
                + "run `addigysync sync now --scope policies` if a policy was added in Addigy recently."
        )
    }

    /// Resolves a tenant id or name to its id. Names match without regard to case.
    public func tenantID(_ text: String) throws -> String {
        if Self.isUUID(text) {
            return text.lowercased()
        }
        let tenants = try allItems("tenants.list")
        if let match = tenants.first(where: { $0["name"]?.stringValue?.lowercased() == text.lowercased() }),
            let id = match["tenantId"]?.stringValue
        {
            return id
        }
        throw CommandFailure("No tenant is named '\(text)'. List the tenants with `addigysync tenants list`.")
    }

    /// Resolves a device id, exact name or serial number to an inventory device id.
    public func deviceID(_ text: String) throws -> String {
        if Self.isUUID(text) {
            return text.lowercased()
        }
        let candidates = try allItems("devices.list", ["search": .string(text)])
        let wanted = text.lowercased()
        let matches = candidates.filter {
            $0["name"]?.stringValue?.lowercased() == wanted || $0["serialNumber"]?.stringValue?.lowercased() == wanted
        }
        if matches.count == 1, let id = matches[0]["deviceId"]?.stringValue {
            return id
        }
        if matches.count > 1 {
            let ids = matches.prefix(5).compactMap { $0["deviceId"]?.stringValue }.joined(separator: ", ")
            throw CommandFailure(
                "\(matches.count) devices are named '\(text)'. Pass one of their ids instead: \(ids)."
            )
        }
        throw CommandFailure(
            "No inventory device has the id, name or serial number '\(text)'. List devices with "
                + "`addigysync devices list`; staged devices need `addigysync devices import` first."
        )
    }
}
