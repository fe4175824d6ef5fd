import Foundation

/// An inventory company: the customer of an MSP that devices belong to.
public struct Company: Sendable, Equatable {
    public var id: String
    public var tenantID: String
    /// Unique within the tenant, compared without case.
    public var name: String
    public var externalIDs: ExternalIDs
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: String, tenantID: String, name: String, externalIDs: ExternalIDs, createdAt: Date, updatedAt: Date) {
        self.id = id
        self.tenantID = tenantID
        self.name = name
        self.externalIDs = externalIDs
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// A company's account ids in the PSA tools that Addigy policies can reference.
public struct ExternalIDs: Sendable, Equatable {
    public var autotask: String?
    public var connectwise: String?
    public var itglue: String?

    public init(autotask: String? = nil, connectwise: String? = nil, itglue: String? = nil) {
        self.autotask = autotask
        self.connectwise = connectwise
        self.itglue = itglue
    }

    public var isEmpty: Bool { autotask == nil && connectwise == nil && itglue == nil }

    /// Each id that is set, with the column and the param name that hold it.
    var present: [(column: String, field: String, value: String)] {
        [("autotask_id", "autotask", autotask), ("connectwise_id", "connectwise", connectwise),
         ("itglue_id", "itglue", itglue)].compactMap { column, field, value in value.map { (column, field, $0) } }
    }
}

/// The action `importCompanies` took for one entry.
public enum CompanyImportAction: String, Sendable {
    case created, updated, unchanged
}

extension Store {
    private static let companyColumns = "id, tenant_id, name, autotask_id, connectwise_id, itglue_id, created_at, updated_at"

    private static func company(_ row: Row) -> Company {
        Company(
            id: row.string(0) ?? "",
            tenantID: row.string(1) ?? "",
            name: row.string(2) ?? "",
            externalIDs: ExternalIDs(autotask: row.string(3), connectwise: row.string(4), itglue: row.string(5)),
            createdAt: row.string(6).flatMap(Timestamp.date) ?? .distantPast,
            updatedAt: row.string(7).flatMap(Timestamp.date) ?? .distantPast
        )
    }

    /// Translates a unique-index failure into a conflict that names the field.
    private func companyConflict(_ error: SQLiteError, company: Company) -> any Error {
        guard error.isUniqueConstraintViolation else { return error }
        for (column, field, value) in company.externalIDs.present where error.message.contains(column) {
            return StoreError.conflict(field: "externalIds.\(field)", value: value)
        }
        return StoreError.conflict(field: "name", value: company.name)
    }

    private func insert(_ company: Company) throws {
        do {
            try database.execute(
                "INSERT INTO companies (\(Self.companyColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [.text(company.id), .text(company.tenantID), .text(company.name),
                 company.externalIDs.autotask.map(SQLValue.text) ?? .null,
                 company.externalIDs.connectwise.map(SQLValue.text) ?? .null,
                 company.externalIDs.itglue.map(SQLValue.text) ?? .null,
                 .text(Timestamp.string(company.createdAt)), .text(Timestamp.string(company.updatedAt))]
            )
        } catch {
            throw companyConflict(error, company: company)
        }
    }

    private func update(_ company: Company) throws {
        do {
            try database.execute(
                "UPDATE companies SET name = ?, autotask_id = ?, connectwise_id = ?, itglue_id = ?, updated_at = ? "
                    + "WHERE id = ? AND tenant_id = ?",
                [.text(company.name),
                 company.externalIDs.autotask.map(SQLValue.text) ?? .null,
                 company.externalIDs.connectwise.map(SQLValue.text) ?? .null,
                 company.externalIDs.itglue.map(SQLValue.text) ?? .null,
                 .text(Timestamp.string(company.updatedAt)), .text(company.id), .text(company.tenantID)]
            )
        } catch {
            throw companyConflict(error, company: company)
        }
    }

    /// Creates a company; throws `StoreError.conflict` naming the field when the name or an
    /// external id is taken in the tenant.
    public func createCompany(tenantID: String, name: String, externalIDs: ExternalIDs) throws -> Company {
        let now = Date()
        let company = Company(
            id: UUID().uuidString.lowercased(), tenantID: tenantID, name: name, externalIDs: externalIDs,
            createdAt: now, updatedAt: now
        )
        try insert(company)
        return company
    }

    public func company(id: String, tenantID: String) throws -> Company? {
        try database.query(
            "SELECT \(Self.companyColumns) FROM companies WHERE id = ? AND tenant_id = ?", [.text(id), .text(tenantID)]
        ).first.map(Self.company)
    }

    /// Companies by name (without case), then id, after `position`, optionally only those whose
    /// name contains `search` (without case).
    public func companies(tenantID: String, search: String?, after position: (name: String, id: String)?, limit: Int)
        throws -> [Company]
    {
        var sql = "SELECT \(Self.companyColumns) FROM companies WHERE tenant_id = ?"
        var values: [SQLValue] = [.text(tenantID)]
        if let search {
            sql += " AND instr(lower(name), lower(?)) > 0"
            values.append(.text(search))
        }
        if let position {
            sql += " AND (name COLLATE NOCASE, id) > (? COLLATE NOCASE, ?)"
            values += [.text(position.name), .text(position.id)]
        }
        sql += " ORDER BY name COLLATE NOCASE, id LIMIT ?"
        values.append(.integer(Int64(limit)))
        return try database.query(sql, values).map(Self.company)
    }

    /// Returns every company of the tenant, for matching.
    public func allCompanies(tenantID: String) throws -> [Company] {
        try database.query(
            "SELECT \(Self.companyColumns) FROM companies WHERE tenant_id = ? ORDER BY name COLLATE NOCASE, id",
            [.text(tenantID)]
        ).map(Self.company)
    }

    /// Saves changed fields of a company; returns the updated company, or `nil` if none has that id.
    public func updateCompany(id: String, tenantID: String, name: String?, externalIDs: ExternalIDs?) throws -> Company? {
        guard var company = try company(id: id, tenantID: tenantID) else { return nil }
        if let name { company.name = name }
        if let externalIDs { company.externalIDs = externalIDs }
        company.updatedAt = Date()
        try update(company)
        return company
    }

    /// Deletes a company; returns whether one was deleted.
    ///
    /// - Throws: `StoreError.inUse` while policies are mapped to it, so that no mapping is
    ///   lost without the user's consent.
    public func deleteCompany(id: String, tenantID: String) throws -> Bool {
        guard try company(id: id, tenantID: tenantID) != nil else { return false }
        let mapped = try mappedPolicyCount(companyID: id)
        guard mapped == 0 else {
            throw StoreError.inUse(kind: "company", id: id, dependents: "\(mapped) mapped policies")
        }
        let devices = try database.query("SELECT COUNT(*) FROM devices WHERE company_id = ?", [.text(id)]).first?.int(0) ?? 0
        guard devices == 0 else {
            throw StoreError.inUse(kind: "company", id: id, dependents: "\(devices) devices")
        }
        try database.execute("DELETE FROM companies WHERE id = ? AND tenant_id = ?", [.text(id), .text(tenantID)])
        return database.changes == 1
    }

    /// Upserts companies in one transaction: each entry matches an existing company by any
    /// external id first, then by exact name (without case), and is created when nothing matches.
    /// Either every entry is saved or, when one fails, none is.
    public func importCompanies(tenantID: String, entries: [(name: String, externalIDs: ExternalIDs)]) throws
        -> [(Company, CompanyImportAction)]
    {
        try database.transaction {
            var results: [(Company, CompanyImportAction)] = []
            for entry in entries {
                let existing = try findForImport(tenantID: tenantID, name: entry.name, externalIDs: entry.externalIDs)
                guard var company = existing else {
                    results.append((try createCompany(tenantID: tenantID, name: entry.name, externalIDs: entry.externalIDs),
                                    .created))
                    continue
                }
                var merged = company.externalIDs
                merged.autotask = entry.externalIDs.autotask ?? merged.autotask
                merged.connectwise = entry.externalIDs.connectwise ?? merged.connectwise
                merged.itglue = entry.externalIDs.itglue ?? merged.itglue
                if company.name == entry.name && company.externalIDs == merged {
                    results.append((company, .unchanged))
                    continue
                }
                company.name = entry.name
                company.externalIDs = merged
                company.updatedAt = Date()
                try update(company)
                results.append((company, .updated))
            }
            return results
        }
    }

    private func findForImport(tenantID: String, name: String, externalIDs: ExternalIDs) throws -> Company? {
        for (column, _, value) in externalIDs.present {
            if let match = try database.query(
                "SELECT \(Self.companyColumns) FROM companies WHERE tenant_id = ? AND \(column) = ?",
                [.text(tenantID), .text(value)]
            ).first {
                return Self.company(match)
            }
        }
        return try database.query(
            "SELECT \(Self.companyColumns) FROM companies WHERE tenant_id = ? AND name = ? COLLATE NOCASE",
            [.text(tenantID), .text(name)]
        ).first.map(Self.company)
    }
}
