import JSONCore

/// The inputs of a route handler, and the paging values it reports for the request log.
struct RouteContext {
    var token: SimulatorToken
    var organizationId: String
    var devices: DeviceIndex
    var policies: [JSONValue]
    /// The page and page size of a device query, for the request log.
    var page: Int?
    var perPage: Int?
}

/// Maps authenticated requests under `/api/v2` to the read-only endpoints Addigy offers.
///
/// A trailing slash is ignored (`POST /devices/` works), unknown paths get 404, and a known
/// path with the wrong method gets 405, each with an ErrorResponse body.
enum Router {
    static let viewDevices = "View Devices"

    static func respond(to request: HTTPRequest, context: inout RouteContext) -> HTTPResponse {
        var path = String(request.path.dropFirst(AddigySimulator.basePath.count))
        while path.count > 1 && path.hasSuffix("/") {
            path.removeLast()
        }
        let segments = path.split(separator: "/").map(String.init)

        do throws(APIError) {
            switch segments.count {
            case 2 where segments == ["configuration", "permissions"]:
                try require("GET", request)
                return .json(.array(context.token.permissions.map(JSONValue.string)))
            case 2 where segments == ["configuration", "whoami"]:
                try require("GET", request)
                return .json(["name": .string(context.token.name), "organization_id": .string(context.organizationId)])
            case 3 where segments == ["oa", "policies", "query"]:
                try require("POST", request)
                return .json(try queryPolicies(body: try parseBody(request), policies: context.policies))
            case 1 where segments == ["devices"]:
                try require("POST", request)
                return try queryDevices(request, context: &context)
            case 3 where segments[0] == "o" && segments[2] == "devices":
                try require("POST", request)
                try checkOrganization(segments[1], context: context)
                return try queryDevices(request, context: &context)
            case 3 where segments[0] == "o" && segments[2] == "facts":
                try require("GET", request)
                try checkOrganization(segments[1], context: context)
                return .json(FactCatalogue.jsonValue())
            case 5 where segments[0] == "o" && segments[2] == "devices" && segments[4] == "policy-assignments":
                try require("GET", request)
                try checkOrganization(segments[1], context: context)
                try requirePermission(viewDevices, context: context)
                guard let assignments = context.devices.policyAssignments(agentId: segments[3]) else {
                    throw APIError(status: 404, message: "No device with agent id \(segments[3]) in organization \(context.organizationId).")
                }
                return .json(.array(assignments))
            default:
                throw APIError(status: 404, message: "No route for \(request.method) \(request.path). This simulator serves only the read-only V2 endpoints.")
            }
        } catch {
            return .error(error)
        }
    }

    private static func queryDevices(_ request: HTTPRequest, context: inout RouteContext) throws(APIError) -> HTTPResponse {
        try requirePermission(viewDevices, context: context)
        let query = try DeviceQuery(body: try parseBody(request))
        context.page = query.page
        context.perPage = query.perPage
        return .json(context.devices.run(query))
    }

    /// Returns every policy for a body of `{}`, or only the listed ones for
    /// `{"policies": [ids]}`; unknown ids are dropped and the list order is kept.
    private static func queryPolicies(body: JSONValue, policies: [JSONValue]) throws(APIError) -> JSONValue {
        guard let object = body.objectValue else {
            throw .badRequest("The request body must be a JSON object (a PolicyQueryRequest), not \(body.typeName).")
        }
        guard let requested = object["policies"], !requested.isNull else { return .array(policies) }
        guard let list = requested.arrayValue else {
            throw .badRequest("policies must be an array of policy id strings, not \(requested.typeName).")
        }
        var ids = Set<String>()
        for element in list {
            guard let id = element.stringValue else {
                throw .badRequest("policies must contain only policy id strings; found \(element.typeName).")
            }
            ids.insert(id)
        }
        if ids.isEmpty { return .array(policies) }
        return .array(policies.filter { ids.contains($0["policyId"]?.stringValue ?? "") })
    }

    private static func parseBody(_ request: HTTPRequest) throws(APIError) -> JSONValue {
        guard !request.body.isEmpty else {
            throw .badRequest("The request body is empty; send a JSON object, for example {}.")
        }
        do {
            return try JSONParser.parse(request.body, maxDepth: 64)
        } catch {
            throw .badRequest("The request body is not valid JSON: \(error).")
        }
    }

    private static func require(_ method: String, _ request: HTTPRequest) throws(APIError) {
        guard request.method == method else {
            throw APIError(status: 405, message: "\(request.method) is not allowed on \(request.path); use \(method).")
        }
    }

    private static func requirePermission(_ permission: String, context: RouteContext) throws(APIError) {
        guard context.token.permissions.contains(permission) else {
            throw APIError(status: 403, message: "missing permission: \(permission)")
        }
    }

    /// Rejects `/o/{organization_id}/...` paths for an organisation other than the fleet's.
    ///
    /// NOTE: a token of an MSP parent may reach child organisations in Addigy; the simulator
    /// has one organisation, so any other id gets 403.
    private static func checkOrganization(_ id: String, context: RouteContext) throws(APIError) {
        guard id == context.organizationId else {
            throw APIError(status: 403, message: "The API token has no access to organization \(id); use \(context.organizationId).")
        }
    }
}
