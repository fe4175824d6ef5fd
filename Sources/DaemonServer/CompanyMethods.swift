import Foundation
import InventoryStore
import JSONCore
import RPCCore

/// `companies.*`: the inventory's companies, which Addigy policies are mapped to.
enum CompanyMethods {
    static let maxNameLength = 200
    static let maxImportCount = 10_000

    static let all: [MethodDefinition] = [
        .async("companies.create", access: .tenant) { params, context in
            let tenant = try context.tenant
            let name = try params.string("name", maxLength: maxNameLength)
            let externalIDs = try readExternalIDs(&params) ?? ExternalIDs()
            let company = try await context.store.createCompany(tenantID: tenant.id, name: name, externalIDs: externalIDs)
            context.logger.info("company created", [("company.id", company.id)])
            return companyJSON(company)
        },

        .async("companies.list", access: .tenant) { params, context in
            let tenant = try context.tenant
            let search = try params.optionalString("search", maxLength: maxNameLength)
            let page = try params.page()
            let companies = try await context.store.companies(
                tenantID: tenant.id, search: search, after: try Cursor.namePosition(page), limit: page.limit + 1
            )
            return Cursor.page(companies, limit: page.limit, sortKeys: { [$0.name, $0.id] }, json: companyJSON)
        },

        .async("companies.get", access: .tenant) { params, context in
            let tenant = try context.tenant
            let id = try params.uuid("companyId")
            guard let company = try await context.store.company(id: id, tenantID: tenant.id) else {
                throw RPCError.notFound("company", field: "companyId", id: id)
            }
            return companyJSON(company)
        },

        .async("companies.update", access: .tenant) { params, context in
            let tenant = try context.tenant
            let id = try params.uuid("companyId")
            let name = try params.optionalString("name", maxLength: maxNameLength)
            let externalIDs = try readExternalIDs(&params)
            guard let company = try await context.store.updateCompany(
                id: id, tenantID: tenant.id, name: name, externalIDs: externalIDs
            ) else {
                throw RPCError.notFound("company", field: "companyId", id: id)
            }
            return companyJSON(company)
        },

        .async("companies.delete", access: .tenant) { params, context in
            let tenant = try context.tenant
            let id = try params.uuid("companyId")
            try params.confirmation(action: "delete the company")
            guard try await context.store.deleteCompany(id: id, tenantID: tenant.id) else {
                throw RPCError.notFound("company", field: "companyId", id: id)
            }
            context.logger.info("company deleted", [("company.id", id)])
            return ["companyId": .string(id), "deleted": true]
        },

        .async("companies.import", access: .tenant) { params, context in
            let tenant = try context.tenant
            let entries = try params.optionalArray("companies", maxCount: maxImportCount) { value, path throws(RPCError) in
                var entry = try Params.element(value, path: path)
                let name = try entry.string("name", maxLength: maxNameLength)
                let externalIDs = try readExternalIDs(&entry) ?? ExternalIDs()
                try entry.finish()
                return (name: name, externalIDs: externalIDs)
            }
            guard let entries else {
                throw RPCError.invalidParams(
                    field: "companies", expected: "an array of {name, externalIds?}",
                    "Missing param 'companies': give an array of objects with a name and optional externalIds."
                )
            }
            let results = try await context.store.importCompanies(tenantID: tenant.id, entries: entries)
            var counts: [CompanyImportAction: Int] = [:]
            for (_, action) in results { counts[action, default: 0] += 1 }
            context.logger.info(
                "companies imported",
                [("created", counts[.created] ?? 0), ("updated", counts[.updated] ?? 0),
                 ("unchanged", counts[.unchanged] ?? 0)]
            )
            return [
                "created": .number(JSONNumber(counts[.created] ?? 0)),
                "updated": .number(JSONNumber(counts[.updated] ?? 0)),
                "unchanged": .number(JSONNumber(counts[.unchanged] ?? 0)),
                "items": .array(results.map { company, action in
                    ["companyId": .string(company.id), "name": .string(company.name), "action": .string(action.rawValue)]
                }),
            ]
        },
    ]

    /// Reads the optional `externalIds` object: `autotask`, `connectwise` and `itglue`, each a
    /// string or a whole number.
    static func readExternalIDs(_ params: inout Params) throws(RPCError) -> ExternalIDs? {
        guard var object = try params.optionalObject("externalIds") else { return nil }
        let ids = ExternalIDs(
            autotask: try object.optionalIdentifier("autotask"),
            connectwise: try object.optionalIdentifier("connectwise"),
            itglue: try object.optionalIdentifier("itglue")
        )
        try object.finish()
        return ids
    }

    static func companyJSON(_ company: Company) -> JSONValue {
        let ids = company.externalIDs
        return [
            "companyId": .string(company.id),
            "name": .string(company.name),
            "externalIds": [
                "autotask": ids.autotask.map(JSONValue.string) ?? .null,
                "connectwise": ids.connectwise.map(JSONValue.string) ?? .null,
                "itglue": ids.itglue.map(JSONValue.string) ?? .null,
            ],
            "createdAt": .string(Timestamp.string(company.createdAt)),
            "updatedAt": .string(Timestamp.string(company.updatedAt)),
        ]
    }
}
