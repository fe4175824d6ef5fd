import Foundation
import JSONCore
import RPCCore

/// `events.subscribe` and `events.unsubscribe`: notifications about syncs, imports and
/// integration status, delivered on the subscribing connection.
enum EventMethods {
    static let all: [MethodDefinition] = [
        .async("events.subscribe", access: .tenant) { params, context in
            let tenant = try context.tenant
            let names = EventTopic.allCases.map(\.rawValue).joined(separator: ", ")
            let topics = try params.optionalArray("topics", maxCount: EventTopic.allCases.count) { value, path throws(RPCError) in
                guard let text = value.stringValue, let topic = EventTopic(rawValue: text) else {
                    throw RPCError.invalidParams(field: path, expected: names,
                                                 "Param '\(path)' must be a topic: \(names).")
                }
                return topic
            }
            guard let topics, !topics.isEmpty else {
                throw RPCError.invalidParams(field: "topics", expected: "a non-empty array of \(names)",
                                             "Param 'topics' must list the topics to follow: \(names).")
            }
            var integrationID: String?
            if let id = try params.optionalUUID("integrationId") {
                guard try await context.store.integration(id: id, tenantID: tenant.id) != nil else {
                    throw RPCError.notFound("integration", field: "integrationId", id: id)
                }
                integrationID = id
            }
            let subscriptionID = try context.environment.events.subscribe(
                connection: context.session.connection, tenantID: tenant.id, topics: Set(topics),
                integrationID: integrationID, requestKey: requestKey(context.requestID)
            )
            context.logger.info("subscribed", [("subscription.id", subscriptionID), ("topics", topics.map(\.rawValue).joined(separator: ","))])
            return ["subscriptionId": .string(subscriptionID), "topics": .array(topics.map { .string($0.rawValue) }),
                    "integrationId": integrationID.json]
        },

        .async("events.unsubscribe", access: .tenant) { params, context in
            let id = try params.uuid("subscriptionId")
            guard context.environment.events.unsubscribe(id: id, connectionID: context.session.connectionID) else {
                throw RPCError(
                    .notFound,
                    "Subscription \(id) is not active on this connection. Subscriptions belong to the connection "
                        + "that made them and end when it closes.",
                    data: ["field": "subscriptionId", "id": .string(id)]
                )
            }
            return ["subscriptionId": .string(id), "unsubscribed": true]
        },
    ]

    /// Returns the key that ties a subscription to the request that made it, so that delivery
    /// starts after that request's reply.
    static func requestKey(_ id: RequestID?) -> String {
        id.map { "id:\($0)" } ?? "notification"
    }

    static func requestKey(_ request: Request) -> String {
        requestKey(request.id)
    }
}
