import Dispatch
import Foundation
import JSONCore
import RPCCore
import RPCTransport
import Synchronization

/// A kind of event that clients can subscribe to; its raw value is the notification's method.
public enum EventTopic: String, Sendable, CaseIterable {
    case syncProgress = "sync.progress"
    case syncFinished = "sync.finished"
    case devicesImported = "devices.imported"
    case integrationStatus = "integration.status"

    /// Events that may be dropped when a subscriber falls behind. A `sync.finished` never is.
    var isDroppable: Bool { self != .syncFinished }
}

/// One event for the subscribers of its tenant.
public struct Event: Sendable {
    public var topic: EventTopic
    public var tenantID: String
    public var integrationID: String
    /// The sync run it is about, if any; progress of one run replaces that run's older progress.
    public var runID: String?
    /// The notification's params, without `subscriptionId`.
    public var params: JSONObject
}

/// Delivers events to subscribed connections as JSON-RPC notifications.
///
/// Publishing never waits for a subscriber. Each subscriber has a bounded queue: a newer progress
/// event of a run replaces the older one still queued, progress goes out at most every
/// `progressInterval` per subscriber, and when the queue is full the oldest droppable event is
/// dropped and counted. The next notification the subscriber gets carries that count in
/// `dropped`. A subscriber whose connection stops reading keeps at most `queueCapacity` events.
public final class EventHub: Sendable {
    public struct Limits: Sendable {
        public var maxSubscriptionsPerConnection = 32
        public var queueCapacity = 64
        public var progressInterval = 0.1

        public init() {}
    }

    private final class Subscriber: @unchecked Sendable {
        let id: String
        let connection: any ConnectionHandle
        let tenantID: String
        let topics: Set<EventTopic>
        let integrationID: String?
        /// The request that made it; delivery starts once the reply to that request is queued.
        let requestKey: String
        var isActive = false
        var pending: [Event] = []
        var dropped = 0
        var lastProgressSent = 0.0

        init(id: String, connection: any ConnectionHandle, tenantID: String, topics: Set<EventTopic>,
             integrationID: String?, requestKey: String) {
            self.id = id
            self.connection = connection
            self.tenantID = tenantID
            self.topics = topics
            self.integrationID = integrationID
            self.requestKey = requestKey
        }

        func accepts(_ event: Event) -> Bool {
            tenantID == event.tenantID && topics.contains(event.topic)
                && (integrationID == nil || integrationID == event.integrationID)
        }
    }

    public let limits: Limits
    /// All subscriber state, including each subscriber's queue, behind one lock held only briefly.
    private let subscribers = Mutex<[String: Subscriber]>([:])
    private let queue = DispatchQueue(label: "addigysync.events")
    private let drainScheduled = Mutex(false)
    private let origin = ContinuousClock.now

    public init(limits: Limits = Limits()) {
        self.limits = limits
    }

    private var now: Double {
        let elapsed = ContinuousClock.now - origin
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    // MARK: Subscriptions

    /// Adds a subscription that starts delivering once `activate(connectionID:requestKey:)` runs.
    ///
    /// - Throws: `RPCError` -32006 when the connection has `maxSubscriptionsPerConnection` already.
    func subscribe(connection: any ConnectionHandle, tenantID: String, topics: Set<EventTopic>,
                   integrationID: String?, requestKey: String) throws(RPCError) -> String {
        let id = UUID().uuidString.lowercased()
        let limit = limits.maxSubscriptionsPerConnection
        let added = subscribers.withLock { subscribers -> Bool in
            guard subscribers.values.filter({ $0.connection.id == connection.id }).count < limit else { return false }
            subscribers[id] = Subscriber(id: id, connection: connection, tenantID: tenantID, topics: topics,
                                         integrationID: integrationID, requestKey: requestKey)
            return true
        }
        guard added else {
            throw RPCError(
                .tooManySubscriptions,
                "This connection has \(limit) subscriptions, the most allowed. Unsubscribe from one with "
                    + "events.unsubscribe, or subscribe to several topics in one subscription.",
                data: ["limit": .number(JSONNumber(limit))]
            )
        }
        return id
    }

    /// Starts delivery to the subscriptions a request made, after its reply was queued.
    func activate(connectionID: UInt64, requestKey: String) {
        subscribers.withLock { subscribers in
            for subscriber in subscribers.values where subscriber.connection.id == connectionID
                && subscriber.requestKey == requestKey
            {
                subscriber.isActive = true
            }
        }
        scheduleDrain(after: 0)
    }

    /// Removes a subscription of the connection; returns whether it existed.
    func unsubscribe(id: String, connectionID: UInt64) -> Bool {
        subscribers.withLock { subscribers in
            guard subscribers[id]?.connection.id == connectionID else { return false }
            subscribers[id] = nil
            return true
        }
    }

    /// Ends every subscription of a closed connection.
    func removeAll(connectionID: UInt64) {
        subscribers.withLock { subscribers in
            subscribers = subscribers.filter { $0.value.connection.id != connectionID }
        }
    }

    /// The number of subscriptions, for tests and `server.info`.
    public var subscriptionCount: Int {
        subscribers.withLock { $0.count }
    }

    // MARK: Publishing

    /// Queues `event` for every subscriber that wants it, and returns without waiting for delivery.
    public func publish(_ event: Event) {
        let capacity = limits.queueCapacity
        let queued = subscribers.withLock { subscribers -> Bool in
            var queued = false
            for subscriber in subscribers.values where subscriber.accepts(event) {
                queued = true
                if event.topic == .syncProgress, let runID = event.runID,
                    let index = subscriber.pending.firstIndex(where: { $0.topic == .syncProgress && $0.runID == runID })
                {
                    subscriber.pending[index] = event
                    continue
                }
                subscriber.pending.append(event)
                if subscriber.pending.count > capacity, let index = Self.oldestDroppable(in: subscriber.pending) {
                    subscriber.pending.remove(at: index)
                    subscriber.dropped += 1
                }
            }
            return queued
        }
        if queued {
            scheduleDrain(after: 0)
        }
    }

    /// Returns the index of the event to drop first: the oldest progress, else the oldest other
    /// droppable event.
    private static func oldestDroppable(in events: [Event]) -> Int? {
        events.firstIndex { $0.topic == .syncProgress } ?? events.firstIndex { $0.topic.isDroppable }
    }

    private func scheduleDrain(after seconds: Double) {
        let shouldSchedule = drainScheduled.withLock { scheduled -> Bool in
            if scheduled { return false }
            scheduled = true
            return true
        }
        guard shouldSchedule else { return }
        queue.asyncAfter(deadline: .now() + max(0, seconds)) { [self] in
            drainScheduled.withLock { $0 = false }
            drain()
        }
    }

    /// Sends what each subscriber may get now, in order, and schedules the next pass when
    /// progress is held back by the interval or a connection is full.
    private func drain() {
        var retryAfter: Double?
        let interval = limits.progressInterval
        let active = subscribers.withLock { Array($0.values.filter(\.isActive)) }

        for subscriber in active {
            while true {
                let now = self.now
                let next = subscribers.withLock { _ -> (Event, Int)? in
                    guard let head = subscriber.pending.first else { return nil }
                    if head.topic == .syncProgress && now - subscriber.lastProgressSent < interval {
                        retryAfter = min(retryAfter ?? interval, interval - (now - subscriber.lastProgressSent))
                        return nil
                    }
                    subscriber.pending.removeFirst()
                    let dropped = subscriber.dropped
                    subscriber.dropped = 0
                    if head.topic == .syncProgress { subscriber.lastProgressSent = now }
                    return (head, dropped)
                }
                guard let (event, dropped) = next else { break }

                var params = event.params
                params["subscriptionId"] = .string(subscriber.id)
                if dropped > 0 { params["dropped"] = .number(JSONNumber(dropped)) }
                if !subscriber.connection.sendNotification(method: event.topic.rawValue, params: .object(params)) {
                    requeue(event, dropped: dropped, for: subscriber)
                    retryAfter = min(retryAfter ?? 0.05, 0.05)
                    break
                }
            }
        }
        if let retryAfter {
            scheduleDrain(after: retryAfter)
        }
    }

    /// Puts back an event that the connection refused, unless newer progress of its run is queued.
    private func requeue(_ event: Event, dropped: Int, for subscriber: Subscriber) {
        subscribers.withLock { _ in
            subscriber.dropped += dropped
            let superseded = event.topic == .syncProgress
                && subscriber.pending.contains { $0.topic == .syncProgress && $0.runID == event.runID }
            if !superseded {
                subscriber.pending.insert(event, at: 0)
            }
            if subscriber.pending.count > limits.queueCapacity, let index = Self.oldestDroppable(in: subscriber.pending) {
                subscriber.pending.remove(at: index)
                subscriber.dropped += 1
            }
        }
    }
}
