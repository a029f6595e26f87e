import CLibPQ
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension PostgresConnection {
    /// Target size of the chunks `copyOut` hands on: big enough for efficient compression and
    /// file writes, small enough to keep memory flat.
    public static let copyOutChunkSize = 1 << 20

    /// Runs `COPY … FROM STDIN` and lets `body` produce the data through a `CopyInWriter`.
    /// Returns the number of rows the server stored (from its `COPY n` tag).
    ///
    /// When `body` throws, the COPY is aborted (the server stores nothing) and that error is
    /// rethrown. When the server rejects the data, its error (with SQLSTATE and the offending
    /// line in `serverContext`) is thrown as `.copyFailed`.
    @discardableResult
    public func copyIn(_ sql: String, _ body: (inout CopyInWriter) throws -> Void) throws -> Int {
        let handle = try requireOpen()
        let context = "copying data in"
        try startCopy(sql, expecting: PGRES_COPY_IN, context: context)
        var writer = CopyInWriter(handle: handle)
        do {
            try body(&writer)
        } catch {
            _ = PQputCopyEnd(handle, "aborted by the client")
            drainResults()
            throw error
        }
        try? writer.flush()
        if writer.failure != nil || PQputCopyEnd(handle, nil) != 1 {
            // Sending failed, or libpq refused to end the copy because the server has already
            // answered (with an error): make sure the server stores nothing.
            _ = PQputCopyEnd(handle, "aborted by the client")
        }
        return try finishCopy(context: context, clientFailure: writer.failure)
    }

    /// Runs `COPY … TO STDOUT` and hands the data to `chunk` as it arrives. Returns the number of
    /// rows copied.
    ///
    /// Rows are gathered into chunks of about 1 MiB (fewer, bigger calls for a compressor behind
    /// it) but never held back while the server is still producing: whatever has arrived is
    /// passed on before waiting for more. Memory stays bounded by the chunk size plus one row.
    /// The buffer passed to `chunk` is only valid during the call (it is reused).
    /// When `chunk` throws, the COPY is cancelled on the server and that error is rethrown.
    @discardableResult
    public func copyOut(_ sql: String, _ chunk: (UnsafeRawBufferPointer) throws -> Void) throws -> Int {
        let handle = try requireOpen()
        let context = "copying data out"
        try startCopy(sql, expecting: PGRES_COPY_OUT, context: context)
        var pending: [UInt8] = []
        pending.reserveCapacity(Self.copyOutChunkSize + 64 * 1024)
        func deliver() throws {
            guard !pending.isEmpty else { return }
            try pending.withUnsafeBytes(chunk)
            pending.removeAll(keepingCapacity: true)
        }
        var streamFailure: PostgresError?
        do {
            var readWithoutWaiting = false
            reading: while true {
                var row: UnsafeMutablePointer<CChar>?
                let length = PQgetCopyData(handle, &row, 1)
                if length > 0, let row {
                    defer { PQfreemem(row) }
                    let bytes = UnsafeRawBufferPointer(start: row, count: Int(length))
                    if pending.isEmpty, bytes.count >= Self.copyOutChunkSize {
                        try chunk(bytes)
                    } else {
                        pending.append(contentsOf: bytes)
                        if pending.count >= Self.copyOutChunkSize { try deliver() }
                    }
                    readWithoutWaiting = false
                } else if length == 0 {
                    // libpq's buffer is empty. Take what the socket already has; only when that
                    // is nothing, pass on what we hold and wait for the server.
                    if readWithoutWaiting {
                        try deliver()
                        try waitUntilReadable(handle, context: context)
                        readWithoutWaiting = false
                    } else {
                        readWithoutWaiting = true
                    }
                    if PQconsumeInput(handle) == 0 {
                        throw failure(from: nil, code: .copyFailed, context: context)
                    }
                } else if length == -1 {
                    try deliver()
                    break reading
                } else {
                    streamFailure = failure(from: nil, code: .copyFailed, context: context)
                    break reading
                }
            }
        } catch let error {
            cancelCopyOut(handle)
            throw error
        }
        return try finishCopy(context: context, clientFailure: streamFailure)
    }

    // MARK: - Plumbing

    /// Sends the COPY statement and checks the server switched into the expected copy mode.
    private func startCopy(_ sql: String, expecting expected: ExecStatusType, context: String) throws {
        let handle = try requireOpen()
        guard let result = PQexec(handle, sql) else {
            throw failure(from: nil, code: .copyFailed, context: context)
        }
        let status = PQresultStatus(result)
        if status == expected {
            PQclear(result)
            return
        }
        defer { PQclear(result) }
        if status == PGRES_FATAL_ERROR || status == PGRES_BAD_RESPONSE || status == PGRES_NONFATAL_ERROR {
            throw failure(from: result, code: .copyFailed, context: context)
        }
        if status == PGRES_COPY_IN || status == PGRES_COPY_OUT || status == PGRES_COPY_BOTH {
            abandonCopy(status)
        }
        let wanted = expected == PGRES_COPY_IN ? "COPY … FROM STDIN" : "COPY … TO STDOUT"
        throw PostgresError(code: .protocolViolation,
                            message: "the statement did not start a \(wanted) (status \(String(cString: PQresStatus(status))))",
                            context: context)
    }

    /// Collects the server's verdict on a finished COPY: the row count, or its error, which
    /// explains a client-side send failure better than libpq's "no COPY in progress".
    private func finishCopy(context: String, clientFailure: PostgresError?) throws -> Int {
        var rows: Int?
        var serverFailure: PostgresError?
        while let handle, let result = PQgetResult(handle) {
            defer { PQclear(result) }
            let status = PQresultStatus(result)
            if status == PGRES_COMMAND_OK {
                rows = PQcmdTuples(result).flatMap { Int(String(cString: $0)) } ?? 0
            } else if status == PGRES_COPY_IN {
                // Still copying although we could not end it: give up on this copy.
                _ = PQputCopyEnd(handle, "aborted by the client")
            } else if serverFailure == nil {
                serverFailure = failure(from: result, code: .copyFailed, context: context)
            }
        }
        if let serverFailure { throw serverFailure }
        if let clientFailure { throw clientFailure }
        guard let rows else {
            throw failure(from: nil, code: .copyFailed, context: context)
        }
        return rows
    }

    /// Stops a COPY TO whose consumer failed: ask the server to cancel, then read to the end so
    /// the connection is usable again (the cancellation error is expected and dropped).
    private func cancelCopyOut(_ handle: OpaquePointer) {
        if let cancel = PQgetCancel(handle) {
            var message = [CChar](repeating: 0, count: 256)
            _ = PQcancel(cancel, &message, Int32(message.count))
            PQfreeCancel(cancel)
        }
        var row: UnsafeMutablePointer<CChar>?
        while PQgetCopyData(handle, &row, 0) > 0 {
            PQfreemem(row)
            row = nil
        }
        drainResults()
    }

    /// Blocks until the server has sent something (poll, retried on signals).
    private func waitUntilReadable(_ handle: OpaquePointer, context: String) throws {
        var descriptor = pollfd(fd: PQsocket(handle), events: Int16(POLLIN), revents: 0)
        while poll(&descriptor, 1, -1) < 0 {
            guard errno == EINTR else {
                throw PostgresError(code: .connectionLost,
                                    message: "waiting for the server failed: \(String(cString: strerror(errno)))",
                                    context: context)
            }
        }
    }
}
