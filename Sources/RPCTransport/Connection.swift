import Dispatch
import Foundation
import JSONCore
import RPCCore
import DaemonLog

#if canImport(Glibc)
import Glibc
#endif

/// One client connection: reads lines, runs requests through the service, writes replies.
///
/// - Important: every mutable property is confined to `queue`. Handlers run in tasks and hop
///   back onto `queue` to queue their reply, so replies may leave in another order than the
///   requests came, as JSON-RPC allows.
///
/// Backpressure: reading pauses while the queued output exceeds `outputHighWater` or
/// `maxInFlightPerConnection` requests are running, and resumes once both fall back. A client
/// that never reads its replies therefore stops being read from; its memory stays bounded
/// and it holds up no other connection.
final class Connection<Service: RPCService>: ConnectionHandle, @unchecked Sendable {
    let id: UInt64
    let peer: PeerCredentials?

    private let fd: Int32
    private let queue: DispatchQueue
    private let service: Service
    private let limits: TransportLimits
    private let logger: Logger
    private let onClose: @Sendable (Connection) -> Void

    private var session: Service.Session?
    private var framer: LineFramer
    private var readSource: DispatchSourceRead?
    private var writeSource: DispatchSourceWrite?
    private var isReadSuspended = false
    private var isWriteSuspended = true
    private var openSourceCount = 0

    private var output: [UInt8] = []
    private var outputSent = 0
    private var inFlight = 0
    /// The peer shut down its sending side, or the daemon stopped reading for good.
    private var isReadClosed = false
    /// Close as soon as queued output is written and nothing is in flight.
    private var closeWhenIdle = false
    private(set) var isClosed = false

    init(
        fd: Int32,
        id: UInt64,
        peer: PeerCredentials?,
        service: Service,
        limits: TransportLimits,
        logger: Logger,
        onClose: @escaping @Sendable (Connection) -> Void
    ) {
        self.fd = fd
        self.id = id
        self.peer = peer
        self.service = service
        self.limits = limits
        self.logger = logger.with("conn.id", id)
        self.onClose = onClose
        self.queue = DispatchQueue(label: "addigysync.connection.\(id)")
        self.framer = LineFramer(maxLineLength: limits.maxLineBytes)
    }

    /// Opens the session and starts reading.
    func start() {
        queue.async { [self] in
            session = service.openSession(for: self)

            let read = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
            read.setEventHandler { [unowned self] in readAvailable() }
            read.setCancelHandler { [self] in sourceCancelled() }
            readSource = read
            openSourceCount += 1

            let write = DispatchSource.makeWriteSource(fileDescriptor: fd, queue: queue)
            write.setEventHandler { [unowned self] in flush() }
            write.setCancelHandler { [self] in sourceCancelled() }
            writeSource = write
            openSourceCount += 1

            read.resume()
            logger.debug("connection opened", [("peer", peer?.description ?? "unknown")])
        }
    }

    // MARK: Reading

    /// Reads until the socket would block, the peer hangs up, or backpressure pauses reading.
    /// Reading to `EAGAIN` matters: Dispatch may report data and a hang-up in a single event.
    private func readAvailable() {
        withUnsafeTemporaryAllocation(byteCount: 64 * 1024, alignment: 1) { chunk in
            readAvailable(into: chunk)
        }
    }

    private func readAvailable(into chunk: UnsafeMutableRawBufferPointer) {
        while !isReadClosed && !isClosed {
            processBufferedLines()
            if shouldPauseReading {
                pauseReading()
                return
            }
            if closeWhenIdle { return }

            let count = recv(fd, chunk.baseAddress, chunk.count, 0)
            if count > 0 {
                framer.append(UnsafeRawBufferPointer(rebasing: chunk[0..<count]))
            } else if count == 0 {
                stopReading()
                processBufferedLines()
                closeIfIdle()
                return
            } else {
                switch errno {
                case EAGAIN, EWOULDBLOCK: return
                case EINTR: continue
                default:
                    logger.debug("read failed", [("errno", errno)])
                    closeNow()
                    return
                }
            }
        }
    }

    private func processBufferedLines() {
        while !shouldPauseReading && !closeWhenIdle && !isClosed {
            guard let output = framer.next() else { return }
            switch output {
            case .line(let line):
                handleLine(line)
            case .oversized:
                rejectOversizedLine()
                return
            }
        }
    }

    private var shouldPauseReading: Bool {
        inFlight >= limits.maxInFlightPerConnection || queuedOutputBytes >= limits.outputHighWater
    }

    private var queuedOutputBytes: Int { output.count - outputSent }

    private func pauseReading() {
        guard !isReadSuspended, let readSource else { return }
        readSource.suspend()
        isReadSuspended = true
    }

    private func resumeReadingIfPossible() {
        guard isReadSuspended, !isReadClosed, !isClosed else { return }
        guard inFlight < limits.maxInFlightPerConnection, queuedOutputBytes <= limits.outputLowWater else { return }
        isReadSuspended = false
        readSource?.resume()
        // Lines may wait in the framer, and Dispatch may not report data that arrived
        // together with a hang-up again, so read once now rather than wait for an event.
        readAvailable()
    }

    /// Stops reading for good, keeping the connection open to finish and write replies.
    private func stopReading() {
        guard !isReadClosed else { return }
        isReadClosed = true
        if let readSource {
            if isReadSuspended {
                readSource.resume()
                isReadSuspended = false
            }
            readSource.cancel()
        }
    }

    private func rejectOversizedLine() {
        logger.warning("line too long; closing connection", [("limit.bytes", limits.maxLineBytes)])
        let error = RPCError(
            .messageTooLarge,
            "Message too large: a line passed the limit of \(limits.maxLineBytes) bytes. "
                + "The connection will close; send smaller requests.",
            data: ["limit": .number(JSONNumber(limits.maxLineBytes))]
        )
        enqueue(ResponseEncoding.failure(id: .null, error: error))
        stopReading()
        closeWhenIdle = true
        scheduleForcedClose()
        closeIfIdle()
    }

    // MARK: Dispatching

    private func handleLine(_ line: [UInt8]) {
        let incoming = line.withUnsafeBufferPointer {
            MessageClassifier.classify(line: $0, maxBatchSize: limits.maxBatchSize)
        }
        switch incoming {
        case .failure(let error):
            enqueue(ResponseEncoding.failure(id: .null, error: error))
        case .single(let message):
            handleSingle(message)
        case .batch(let messages):
            handleBatch(messages)
        }
    }

    private func handleSingle(_ message: IncomingMessage) {
        switch message {
        case .response:
            logger.debug("ignored a response object; the daemon sends no requests")
        case .invalid(let id, let error):
            enqueue(ResponseEncoding.failure(id: id ?? .null, error: error))
        case .request(let request):
            guard let session else { return }
            if let outcome = service.handleImmediately(request, session: session) {
                if let id = request.id {
                    enqueue(Reply(id: id, outcome: outcome).bytes)
                }
                service.didReply(to: request, session: session)
                return
            }
            inFlight += 1
            let service = self.service
            Task {
                let outcome = await service.handle(request, session: session)
                let bytes = request.id.map { Reply(id: $0, outcome: outcome).bytes }
                self.queue.async {
                    self.finishRequest(reply: bytes)
                    service.didReply(to: request, session: session)
                }
            }
        }
    }

    /// Runs a batch's requests concurrently and writes their replies as one array, in the
    /// batch's order. A batch of notifications writes nothing at all.
    private func handleBatch(_ messages: [IncomingMessage]) {
        guard let session else { return }
        inFlight += 1
        let service = self.service
        Task {
            let replies = await withTaskGroup(of: (Int, Reply?).self) { group in
                for (index, message) in messages.enumerated() {
                    group.addTask {
                        switch message {
                        case .response:
                            return (index, nil)
                        case .invalid(let id, let error):
                            return (index, Reply(id: id ?? .null, outcome: .failure(error)))
                        case .request(let request):
                            let outcome = await service.handle(request, session: session)
                            return (index, request.id.map { Reply(id: $0, outcome: outcome) })
                        }
                    }
                }
                var ordered = [Reply?](repeating: nil, count: messages.count)
                for await (index, reply) in group {
                    ordered[index] = reply
                }
                return ordered.compactMap { $0 }
            }
            let bytes = replies.isEmpty ? nil : ResponseEncoding.batch(replies)
            self.queue.async {
                self.finishRequest(reply: bytes)
                for case .request(let request) in messages {
                    service.didReply(to: request, session: session)
                }
            }
        }
    }

    private func finishRequest(reply: [UInt8]?) {
        inFlight -= 1
        if let reply {
            enqueue(reply)
        }
        if isReadSuspended {
            resumeReadingIfPossible()
        }
        closeIfIdle()
    }

    // MARK: Writing

    private func enqueue(_ bytes: [UInt8]) {
        guard !isClosed else { return }
        output.append(contentsOf: bytes)
        if isWriteSuspended {
            flush()
        }
    }

    /// Writes queued output until the socket would block, then waits for the write source.
    private func flush() {
        guard !isClosed else { return }
        while outputSent < output.count {
            let count = output.withUnsafeBytes { buffer in
                send(fd, buffer.baseAddress! + outputSent, buffer.count - outputSent, Int32(MSG_NOSIGNAL))
            }
            if count > 0 {
                outputSent += count
                continue
            }
            if count < 0 && errno == EINTR { continue }
            if count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                if isWriteSuspended {
                    isWriteSuspended = false
                    writeSource?.resume()
                }
                return
            }
            logger.debug("write failed; closing connection", [("errno", errno)])
            closeNow()
            return
        }

        output.removeAll(keepingCapacity: output.capacity <= limits.outputHighWater)
        outputSent = 0
        if !isWriteSuspended {
            isWriteSuspended = true
            writeSource?.suspend()
        }
        if isReadSuspended {
            resumeReadingIfPossible()
        }
        closeIfIdle()
    }

    // MARK: ConnectionHandle

    /// - Important: call it from outside the connection's queue; it waits on that queue.
    func sendNotification(method: String, params: JSONValue) -> Bool {
        let bytes = ResponseEncoding.notification(method: method, params: params)
        return queue.sync {
            guard !isClosed, !closeWhenIdle, queuedOutputBytes + bytes.count <= limits.notificationOutputLimit else {
                return false
            }
            enqueue(bytes)
            return true
        }
    }

    func close() {
        queue.async { [self] in
            beginGracefulClose()
        }
    }

    /// Stops reading and closes once running requests have replied and output is written,
    /// or after `closeFlushSeconds`, whichever comes first. Used by shutdown and `close()`.
    func beginGracefulClose() {
        guard !isClosed, !closeWhenIdle else { return }
        stopReading()
        closeWhenIdle = true
        scheduleForcedClose()
        closeIfIdle()
    }

    /// Closes at once on the connection's queue, then calls `completion`.
    func closeOnQueue(_ completion: @escaping @Sendable () -> Void) {
        queue.async { [self] in
            closeNow()
            completion()
        }
    }

    /// Returns whether requests are still running or replies still queued.
    func isBusy() -> Bool {
        queue.sync { inFlight > 0 || queuedOutputBytes > 0 }
    }

    private func scheduleForcedClose() {
        queue.asyncAfter(deadline: .now() + limits.closeFlushSeconds) { [self] in
            if !isClosed {
                logger.debug("closing connection whose output did not drain in time")
                closeNow()
            }
        }
    }

    private func closeIfIdle() {
        guard !isClosed, inFlight == 0, queuedOutputBytes == 0 else { return }
        if isReadClosed || closeWhenIdle {
            closeNow()
        }
    }

    func closeNow() {
        guard !isClosed else { return }
        isClosed = true
        isReadClosed = true
        output = []
        outputSent = 0

        if let readSource {
            if isReadSuspended {
                readSource.resume()
                isReadSuspended = false
            }
            if !readSource.isCancelled { readSource.cancel() }
        }
        if let writeSource {
            if isWriteSuspended {
                writeSource.resume()
                isWriteSuspended = false
            }
            writeSource.cancel()
        }
        if openSourceCount == 0 {
            Glibc.close(fd)
        }
        if let session {
            service.closeSession(session)
            self.session = nil
        }
        logger.debug("connection closed")
        onClose(self)
    }

    /// Closes the descriptor once both sources have stopped watching it; closing it earlier
    /// could let Dispatch watch a reused descriptor number.
    private func sourceCancelled() {
        openSourceCount -= 1
        if openSourceCount == 0 && isClosed {
            Glibc.close(fd)
        }
    }
}
