import AddigyClient
import DaemonLog
import Foundation
import InventoryStore
import JSONCore
import RPCCore

/// `integration.*`: connect Addigy accounts, test them, rotate their tokens, delete them.
///
/// Tokens are sealed with the tenant's and the integration's ids as associated data and are
/// never part of a reply, a log line or an error message.
enum IntegrationMethods {
    static let maxNameLength = 100
    static let maxTokenLength = 4096

    static let all: [MethodDefinition] = [
        .async("integration.testConnection", access: .tenant) { params, context in
            let tenant = try context.tenant
            let integrationID = try params.optionalUUID("integrationId")
            let token = try params.optionalToken("apiToken")
            let baseURLText = try params.optionalString("baseUrl", maxLength: 2048)

            if let integrationID {
                guard token == nil, baseURLText == nil else {
                    throw RPCError.invalidParams(
                        field: "integrationId", expected: "either integrationId or apiToken",
                        "Give either integrationId (to test a stored integration) or apiToken (to test a new token), "
                            + "not both."
                    )
                }
                var record = try await loadIntegration(integrationID, tenantID: tenant.id, context: context)
                let client = try client(for: record, context: context)
                let test = await client.testConnection()
                record = apply(test, to: record)
                try await context.store.updateIntegration(record)
                context.logger.info("connection tested", [("integration.id", record.id), ("status", record.status)])
                return testJSON(test)
            }

            guard let token else {
                throw RPCError.invalidParams(
                    field: "apiToken", expected: "a non-empty string",
                    "Missing param 'apiToken': give the Addigy V2 API token to test, or integrationId."
                )
            }
            let baseURL = try validatedBaseURL(baseURLText)
            let test = await context.environment.addigy.client(baseURL: baseURL, token: token, logger: context.logger)
                .testConnection()
            var outcome = "ok"
            if case .failure(let error) = test.outcome { outcome = error.reason.rawValue }
            context.logger.info("connection tested", [("addigy.token", token.fingerprint), ("outcome", outcome)])
            return testJSON(test)
        },

        .async("integration.create", access: .tenant) { params, context in
            let tenant = try context.tenant
            guard let token = try params.optionalToken("apiToken") else {
                throw RPCError.invalidParams(
                    field: "apiToken", expected: "a non-empty string",
                    "Missing param 'apiToken': paste the V2 API token from Addigy (Account > Integrations > "
                        + "API & Webhooks > V2)."
                )
            }
            let requestedName = try params.optionalString("name", maxLength: maxNameLength)
            let baseURL = try validatedBaseURL(try params.optionalString("baseUrl", maxLength: 2048))

            let test = await context.environment.addigy.client(baseURL: baseURL, token: token, logger: context.logger)
                .testConnection()
            guard case .success(let organizationID, let tokenName, let permissions) = test.outcome else {
                if case .failure(let error) = test.outcome {
                    context.logger.info(
                        "integration not created: connection test failed",
                        [("addigy.token", token.fingerprint), ("reason", error.reason.rawValue)]
                    )
                    throw rpcError(error)
                }
                throw RPCError.internalError(reference: "integration.create")
            }

            let now = Date()
            let id = UUID().uuidString.lowercased()
            let sealed = try context.environment.addigy.vault.seal(
                token.secret, associatedData: TokenVault.associatedData(tenantID: tenant.id, integrationID: id)
            )
            let name = requestedName ?? tokenName ?? organizationID.map { "Addigy \($0.prefix(8))" } ?? "Addigy"
            let record = IntegrationRecord(
                id: id, tenantID: tenant.id, name: name, baseURL: baseURL.absoluteString, sealedToken: sealed,
                tokenFingerprint: token.fingerprint, organizationID: organizationID, permissions: permissions,
                status: IntegrationStatus.connected.rawValue, lastTestedAt: now, createdAt: now, updatedAt: now
            )
            try await context.store.insertIntegration(record)
            context.logger.notice("integration created", [("integration.id", id), ("addigy.token", token.fingerprint)])
            _ = try await context.environment.sync.start(
                integrationID: id, tenantID: tenant.id, scope: .policies, trigger: "create",
                environment: context.environment, logger: context.logger
            )
            return integrationJSON(record)
        },

        .async("integration.get", access: .tenant) { params, context in
            let tenant = try context.tenant
            let id = try params.uuid("integrationId")
            return integrationJSON(try await loadIntegration(id, tenantID: tenant.id, context: context))
        },

        .async("integration.list", access: .tenant) { params, context in
            let tenant = try context.tenant
            let page = try params.page()
            let records = try await context.store.integrations(
                tenantID: tenant.id, after: try Cursor.namePosition(page), limit: page.limit + 1
            )
            return Cursor.page(records, limit: page.limit, sortKeys: { [$0.name, $0.id] }, json: integrationJSON)
        },

        .async("integration.updateCredentials", access: .tenant) { params, context in
            let tenant = try context.tenant
            let id = try params.uuid("integrationId")
            guard let token = try params.optionalToken("apiToken") else {
                throw RPCError.invalidParams(
                    field: "apiToken", expected: "a non-empty string", "Missing param 'apiToken': give the new token."
                )
            }
            var record = try await loadIntegration(id, tenantID: tenant.id, context: context)
            guard let baseURL = URL(string: record.baseURL) else {
                throw RPCError.internalError(reference: "integration.baseUrl")
            }

            let test = await context.environment.addigy.client(baseURL: baseURL, token: token, logger: context.logger)
                .testConnection()
            guard case .success(let organizationID, _, let permissions) = test.outcome else {
                if case .failure(let error) = test.outcome {
                    context.logger.info(
                        "credentials not updated: connection test failed",
                        [("integration.id", id), ("addigy.token", token.fingerprint), ("reason", error.reason.rawValue)]
                    )
                    throw rpcError(error)
                }
                throw RPCError.internalError(reference: "integration.updateCredentials")
            }
            if let stored = record.organizationID, let organizationID, stored != organizationID {
                throw RPCError(
                    .conflict,
                    "The new token belongs to Addigy organization \(organizationID), but this integration reads "
                        + "organization \(stored). Create a separate integration for the other organization.",
                    data: ["field": "apiToken", "reason": "organization_mismatch"]
                )
            }

            record.sealedToken = try context.environment.addigy.vault.seal(
                token.secret, associatedData: TokenVault.associatedData(tenantID: tenant.id, integrationID: id)
            )
            record.tokenFingerprint = token.fingerprint
            record.organizationID = organizationID ?? record.organizationID
            record.permissions = permissions
            record.status = IntegrationStatus.connected.rawValue
            record.lastError = nil
            record.lastTestedAt = Date()
            record.updatedAt = Date()
            try await context.store.updateIntegration(record)
            context.logger.notice("integration credentials updated", [("integration.id", id), ("addigy.token", token.fingerprint)])
            return integrationJSON(record)
        },

        .async("integration.resync", access: .tenant) { params, context in
            let tenant = try context.tenant
            let id = try params.uuid("integrationId")
            let record = try await loadIntegration(id, tenantID: tenant.id, context: context)
            let (run, started) = try await context.environment.sync.start(
                integrationID: record.id, tenantID: tenant.id, scope: .all, trigger: "resync",
                environment: context.environment, logger: context.logger
            )
            if started {
                context.logger.info("resync started", [("integration.id", record.id)])
            }
            return ["integrationId": .string(record.id), "started": .bool(started), "runId": .string(run.id),
                    "scopes": ["policies", "devices"]]
        },

        .async("integration.delete", access: .tenant) { params, context in
            let tenant = try context.tenant
            let id = try params.uuid("integrationId")
            try params.confirmation(action: "delete the integration and its stored token")
            let deleteDevices = try params.bool("deleteImportedDevices", default: false)
            _ = try await loadIntegration(id, tenantID: tenant.id, context: context)

            for run in context.environment.sync.runningRuns(integrationID: id) {
                _ = context.environment.sync.cancel(runID: run.runID, integrationID: id)
            }
            let imported = try await context.store.deviceCount(integrationID: id)
            let deleted = deleteDevices ? try await context.store.deleteDevices(integrationID: id, tenantID: tenant.id) : 0
            guard try await context.store.deleteIntegration(id: id, tenantID: tenant.id) else {
                throw RPCError.notFound("integration", field: "integrationId", id: id)
            }
            context.logger.notice("integration deleted", [("integration.id", id), ("devices.deleted", deleted)])
            return ["integrationId": .string(id), "deleted": true, "devicesDeleted": .number(JSONNumber(deleted)),
                    "devicesKept": .number(JSONNumber(imported - deleted))]
        },
    ]

    // MARK: Helpers

    static func loadIntegration(_ id: String, tenantID: String, context: RequestContext) async throws
        -> IntegrationRecord
    {
        guard let record = try await context.store.integration(id: id, tenantID: tenantID) else {
            throw RPCError.notFound("integration", field: "integrationId", id: id)
        }
        return record
    }

    /// Makes a client for a stored integration, opening its token from the vault.
    static func client(for record: IntegrationRecord, context: RequestContext) throws -> AddigyClient {
        try client(for: record, environment: context.environment, logger: context.logger)
    }

    static func client(for record: IntegrationRecord, environment: ServerEnvironment, logger: Logger) throws
        -> AddigyClient
    {
        let vault = environment.addigy.vault
        let secret: String
        do {
            secret = try vault.open(
                record.sealedToken,
                associatedData: TokenVault.associatedData(tenantID: record.tenantID, integrationID: record.id)
            )
        } catch {
            logger.error("stored token failed to decrypt", [("integration.id", record.id)])
            throw RPCError(
                .preconditionFailed,
                "The stored API token of integration \(record.id) cannot be decrypted, so the daemon's master key "
                    + "may have changed. Set the token again with integration.updateCredentials.",
                data: ["field": "integrationId", "reason": "token_unreadable"]
            )
        }
        guard let token = APIToken(secret), let baseURL = URL(string: record.baseURL) else {
            throw RPCError.internalError(reference: "integration.token")
        }
        return environment.addigy.client(baseURL: baseURL, token: token, logger: logger.with("integration.id", record.id))
    }

    static func validatedBaseURL(_ text: String?) throws(RPCError) -> URL {
        guard let text else { return AddigyClient.defaultBaseURL }
        guard let url = AddigyClient.validateBaseURL(text) else {
            throw .invalidParams(
                field: "baseUrl", expected: "an https URL",
                "Param 'baseUrl' must be an https URL such as https://api.addigy.com/api/v2 (http is allowed only "
                    + "for 127.0.0.1 or localhost), without credentials, query or fragment. Leave it out for Addigy's "
                    + "default."
            )
        }
        return url
    }

    /// Records a connection test on an integration: status, organization and last error.
    static func apply(_ test: ConnectionTest, to record: IntegrationRecord) -> IntegrationRecord {
        var updated = record
        let now = Date()
        updated.lastTestedAt = now
        updated.updatedAt = now
        switch test.outcome {
        case .success(let organizationID, _, let permissions):
            updated.status = IntegrationStatus.connected.rawValue
            updated.organizationID = organizationID ?? record.organizationID
            updated.permissions = permissions
            updated.lastError = nil
        case .failure(let error):
            updated.status = IntegrationStatus(failure: error.reason).rawValue
            updated.lastError = IntegrationError(reason: error.reason.rawValue, message: error.description, at: now)
        }
        return updated
    }

    static func rpcError(_ error: AddigyError) -> RPCError {
        var data: JSONObject = ["reason": .string(error.reason.rawValue), "operation": .string(error.operation)]
        if let status = error.status { data["status"] = .number(JSONNumber(status)) }
        return RPCError(.addigyRequestFailed, error.description, data: .object(data))
    }

    static func testJSON(_ test: ConnectionTest) -> JSONValue {
        switch test.outcome {
        case .success(let organizationID, let tokenName, let permissions):
            return [
                "ok": true,
                "organizationId": organizationID.map(JSONValue.string) ?? .null,
                "tokenName": tokenName.map(JSONValue.string) ?? .null,
                "permissions": .array(permissions.map(JSONValue.string)),
            ]
        case .failure(let error):
            var result: JSONObject = ["ok": false, "reason": .string(error.reason.rawValue), "message": .string(error.description)]
            if let status = error.status { result["status"] = .number(JSONNumber(status)) }
            return .object(result)
        }
    }

    static func integrationJSON(_ record: IntegrationRecord) -> JSONValue {
        let lastError: JSONValue = record.lastError.map { error in
            ["reason": .string(error.reason), "message": .string(error.message), "at": .string(Timestamp.string(error.at))]
        } ?? .null
        return [
            "integrationId": .string(record.id),
            "name": .string(record.name),
            "baseUrl": .string(record.baseURL),
            "organizationId": record.organizationID.map(JSONValue.string) ?? .null,
            "permissions": .array(record.permissions.map(JSONValue.string)),
            "status": .string(record.status),
            "lastError": lastError,
            "lastTestedAt": record.lastTestedAt.map { .string(Timestamp.string($0)) } ?? .null,
            "createdAt": .string(Timestamp.string(record.createdAt)),
            "updatedAt": .string(Timestamp.string(record.updatedAt)),
        ]
    }
}

/// The health of an integration, from its last contact with Addigy.
enum IntegrationStatus: String {
    case connected
    case authFailed = "auth_failed"
    case rateLimited = "rate_limited"
    case unreachable
    case error

    init(failure reason: AddigyFailureReason) {
        switch reason {
        case .invalidToken, .forbidden: self = .authFailed
        case .rateLimited: self = .rateLimited
        case .unreachable, .timeout: self = .unreachable
        case .serverError, .unexpectedResponse: self = .error
        }
    }
}

extension Params {
    /// Reads an optional API token: trimmed, non-empty, and wrapped so it cannot be logged by accident.
    mutating func optionalToken(_ name: String) throws(RPCError) -> APIToken? {
        guard let text = try optionalString(name, maxLength: IntegrationMethods.maxTokenLength) else { return nil }
        return APIToken(text)
    }
}
