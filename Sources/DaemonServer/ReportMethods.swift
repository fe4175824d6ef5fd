import Foundation
import InventoryStore
import JSONCore
import RPCCore
import SyncEngine

/// `reports.compliance`: inventory devices that fail security and health checks, per company
/// and in total.
enum ReportMethods {
    static let all: [MethodDefinition] = [
        .async("reports.compliance", access: .tenant) { params, context in
            let tenant = try context.tenant
            let companyID = try params.optionalUUID("companyId")
            let asOf = try params.optionalString("asOf", maxLength: 40).map { text throws(RPCError) in
                guard let date = ISO8601.date(from: text) ?? (try? Date.ISO8601FormatStyle().parse(text)) else {
                    throw RPCError.invalidParams(
                        field: "asOf", expected: "an ISO 8601 time such as 2026-12-01T00:00:00Z",
                        "Param 'asOf' is not an ISO 8601 time; write it like 2026-12-01T00:00:00Z."
                    )
                }
                return date
            } ?? Date()
            if let companyID, try await context.store.company(id: companyID, tenantID: tenant.id) == nil {
                throw RPCError.notFound("company", field: "companyId", id: companyID)
            }

            let rules = ComplianceRules()
            let devices = try await context.store.devices(tenantID: tenant.id, filter: DeviceFilter(companyID: companyID))
            var companies: [String: CompanyTally] = [:]
            var total = CompanyTally(id: "", name: "")
            for device in devices {
                let details = (try? JSONParser.parse(Array(device.details.utf8))) ?? .object(JSONObject())
                let result = Compliance.evaluate(details, rules: rules, now: asOf)
                companies[device.companyID, default: CompanyTally(id: device.companyID, name: device.companyName)]
                    .add(device, result)
                total.add(device, result)
            }

            let ordered = companies.values.sorted { ($0.name.lowercased(), $0.id) < ($1.name.lowercased(), $1.id) }
            return [
                "asOf": .string(Timestamp.string(asOf)),
                "rules": [
                    "offlineDays": .number(JSONNumber(rules.offlineDays)),
                    "minimumFreeDiskPercent": JSONNumber(rules.minimumFreeDiskPercent).map(JSONValue.number) ?? .null,
                    "maximumBatteryCycles": .number(JSONNumber(rules.maximumBatteryCycles)),
                ],
                "total": total.summaryJSON,
                "companies": .array(ordered.map(\.json)),
            ]
        },
    ]

    /// The counts and failing devices of one company, or of all of them.
    private struct CompanyTally {
        let id: String
        let name: String
        var devices = 0
        var compliant = 0
        var failing: [ComplianceCheck: Int] = [:]
        var unknown: [ComplianceCheck: Int] = [:]
        var failingDevices: [JSONValue] = []

        init(id: String, name: String) {
            self.id = id
            self.name = name
        }

        mutating func add(_ device: InventoryDevice, _ result: ComplianceResult) {
            devices += 1
            if result.isCompliant { compliant += 1 }
            for failure in result.failures { failing[failure.check, default: 0] += 1 }
            for check in result.unknown { unknown[check, default: 0] += 1 }
            guard !result.isCompliant else { return }
            failingDevices.append([
                "deviceId": .string(device.id),
                "name": .string(device.name),
                "serialNumber": device.serialNumber.json,
                "deviceType": device.deviceType.json,
                "failures": .array(result.failures.map { ["check": .string($0.check.rawValue), "message": .string($0.message)] }),
            ])
        }

        var summaryJSON: JSONValue {
            func counts(_ tally: [ComplianceCheck: Int]) -> JSONValue {
                .object(JSONObject(ComplianceCheck.allCases.map { (key: $0.rawValue, value: .number(JSONNumber(tally[$0] ?? 0))) }))
            }
            return [
                "devices": .number(JSONNumber(devices)),
                "compliant": .number(JSONNumber(compliant)),
                "nonCompliant": .number(JSONNumber(devices - compliant)),
                "failing": counts(failing),
                "unknown": counts(unknown),
            ]
        }

        var json: JSONValue {
            guard case .object(var object) = summaryJSON else { return summaryJSON }
            object["companyId"] = .string(id)
            object["companyName"] = .string(name)
            object["failingDevices"] = .array(failingDevices)
            return .object(object)
        }
    }
}
