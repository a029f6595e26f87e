import Foundation
import Synchronization
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// A tiny HTTP/1.1 server on 127.0.0.1 for failure injection: every request is handed to a
/// script that decides the answer (or drops the connection without one). One request per
/// connection (`Connection: close`) unless `keepAlive`, one thread per connection, so concurrent
/// clients work. Test infrastructure only: the real service is services/embedding.
final class ScriptedHTTPServer: Sendable {
    struct Request: Sendable {
        var method: String
        var path: String
        var body: [UInt8]
        /// 1-based count of requests to this path so far, this one included.
        var number: Int
        /// 1-based number of the connection it came on, in the order connections were accepted.
        var connection: Int
    }

    enum Reply: Sendable {
        case respond(status: Int, headers: [String: String] = [:], body: [UInt8])
        /// Close the connection without answering (what a crashed or restarted service does).
        case drop
        /// Bytes written as they are (status line and headers included), then the connection closes.
        case raw([UInt8])

        static func json(_ status: Int, _ text: String, headers: [String: String] = [:]) -> Reply {
            .respond(status: status, headers: headers.merging(["Content-Type": "application/json"]) { $1 }, body: Array(text.utf8))
        }
    }

    private let listener: Int32
    let port: UInt16
    private let script: @Sendable (Request) -> Reply
    private let keepAlive: Bool
    private struct State {
        var counts: [String: Int] = [:]
        var connections = 0
        var stopped = false
        var log: [Request] = []
    }
    private let state = Mutex(State())

    var url: URL { URL(string: "http://127.0.0.1:\(port)")! }

    /// - Parameter keepAlive: answer `.respond` replies with `Connection: keep-alive` and read the
    ///   next request from the same connection.
    init(keepAlive: Bool = false, script: @escaping @Sendable (Request) -> Reply) throws {
        self.script = script
        self.keepAlive = keepAlive
        (listener, port) = try LoopbackPort.listen(port: 0)
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    deinit { stop() }

    func stop() {
        state.withLock { state in
            guard !state.stopped else { return }
            state.stopped = true
            shutdown(listener, Int32(SHUT_RDWR))
            close(listener)
        }
    }

    /// Requests received for `path` (e.g. "/generate").
    func requests(_ path: String) -> [Request] { state.withLock { $0.log.filter { $0.path == path } } }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 {
                if errno == EINTR { continue }
                return  // stopped
            }
            let connection = state.withLock { state in state.connections += 1; return state.connections }
            let thread = Thread { [self] in serve(client, connection: connection) }
            thread.start()
        }
    }

    private func serve(_ client: Int32, connection: Int) {
        defer { close(client) }
        var buffer: [UInt8] = []
        while let (method, path, body) = readRequest(client, &buffer) {
            let request: Request = state.withLock { state in
                state.counts[path, default: 0] += 1
                let request = Request(method: method, path: path, body: body, number: state.counts[path]!, connection: connection)
                state.log.append(request)
                return request
            }
            switch script(request) {
            case .drop:
                var linger = linger(l_onoff: 1, l_linger: 0)  // reset, as a crashed peer does
                setsockopt(client, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<linger>.size))
                return
            case .raw(let bytes):
                writeAll(client, bytes)
                return
            case .respond(let status, let headers, let body):
                var head = "HTTP/1.1 \(status) \(Self.reason(status))\r\nContent-Length: \(body.count)\r\n"
                head += keepAlive ? "Connection: keep-alive\r\n" : "Connection: close\r\n"
                for (name, value) in headers { head += "\(name): \(value)\r\n" }
                head += "\r\n"
                writeAll(client, Array(head.utf8) + body)
                if !keepAlive { return }
            }
        }
    }

    /// The next request on the connection; bytes after it stay in `buffer` for the one after.
    private func readRequest(_ client: Int32, _ buffer: inout [UInt8]) -> (String, String, [UInt8])? {
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            if let end = Self.find([13, 10, 13, 10], in: buffer) {
                var contentLength = 0
                let head = String(decoding: buffer[0..<end], as: UTF8.self)
                for line in head.split(separator: "\r\n").dropFirst() {
                    let parts = line.split(separator: ":", maxSplits: 1)
                    if parts.count == 2, parts[0].lowercased() == "content-length" {
                        contentLength = Int(parts[1].trimmingCharacters(in: .whitespaces)) ?? 0
                    }
                }
                let headerEnd = end + 4
                if buffer.count >= headerEnd + contentLength {
                    let requestLine = head.split(separator: "\r\n").first?.split(separator: " ") ?? []
                    guard requestLine.count >= 2 else { return nil }
                    let body = Array(buffer[headerEnd..<headerEnd + contentLength])
                    buffer.removeFirst(headerEnd + contentLength)
                    return (String(requestLine[0]), String(requestLine[1]), body)
                }
            }
            let n = chunk.withUnsafeMutableBytes { recv(client, $0.baseAddress, $0.count, 0) }
            if n <= 0 { return nil }
            buffer.append(contentsOf: chunk[0..<n])
        }
    }

    private func writeAll(_ client: Int32, _ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return }
            offset += n
        }
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for i in 0...(haystack.count - needle.count) where haystack[i] == needle[0] && Array(haystack[i..<i + needle.count]) == needle {
            return i
        }
        return nil
    }

    private static func reason(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 400: "Bad Request"
        case 429: "Too Many Requests"
        case 500: "Internal Server Error"
        case 503: "Service Unavailable"
        default: "Status"
        }
    }
}
