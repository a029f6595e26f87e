import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// The C functions under names the methods below do not shadow.
private func systemSend(_ socket: Int32, _ bytes: UnsafeRawPointer?, _ count: Int, _ flags: Int32) -> Int {
    #if canImport(Glibc)
    Glibc.send(socket, bytes, count, flags)
    #else
    Darwin.send(socket, bytes, count, flags)
    #endif
}

private func systemConnect(_ socket: Int32, _ address: UnsafePointer<sockaddr>!, _ length: socklen_t) -> Int32 {
    #if canImport(Glibc)
    Glibc.connect(socket, address, length)
    #else
    Darwin.connect(socket, address, length)
    #endif
}

/// Plain-HTTP/1.1 requests over blocking POSIX sockets, with keep-alive connections reused across
/// batches. Used for `http://` service URLs instead of URLSession because, on Linux, URLSession's
/// event loop spins while it waits for an answer: measured at about half a CPU core per run (see
/// docs/decisions/0003-socket-http-client.md), taken straight from the embedding service on the same
/// machine. Here a waiting worker sleeps in `recv` and costs nothing. `https://` goes through
/// URLSession (`URLSessionTransport`).
///
/// One request per connection at a time; idle connections wait in a small pool. A pooled
/// connection the server has closed meanwhile is detected on use and the request is sent once
/// more on a fresh one (standard client behaviour); a failure on a fresh connection is reported.
final class SocketHTTPTransport: HTTPTransport, @unchecked Sendable {
    private let host: String
    private let port: String
    private let hostHeader: String
    private let timeout: Double
    private let lock = NSLock()
    private var idle: [Int32] = []

    init(host: String, port: Int, timeout: Double) {
        self.host = host
        self.port = String(port)
        hostHeader = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        self.timeout = timeout
    }

    deinit { for socket in idle { close(socket) } }

    func send(method: String, path: String, body: [UInt8]?) -> Result<HTTPAnswer, TransportFailure> {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: \(hostHeader)\r\nAccept: application/json\r\nConnection: keep-alive\r\n"
        if let body { head += "Content-Type: application/json\r\nContent-Length: \(body.count)\r\n" }
        head += "\r\n"
        let request = Array(head.utf8) + (body ?? [])
        if let pooled = lock.withLock({ idle.popLast() }) {
            switch exchange(pooled, request) {
            case .success(let answer): return .success(answer)
            case .failure(let failure) where failure.beforeAnswer: break  // closed while idle: once more, fresh
            case .failure(let failure): return .failure(failure.failure)
            }
        }
        let socket: Int32
        switch connect() {
        case .success(let s): socket = s
        case .failure(let failure): return .failure(failure)
        }
        return exchange(socket, request).mapError(\.failure)
    }

    private struct ExchangeFailure: Error {
        var failure: TransportFailure
        /// Nothing of an answer arrived: safe to send again on another connection.
        var beforeAnswer: Bool
    }

    /// Sends the request and reads one answer; the socket goes back to the pool or is closed.
    private func exchange(_ socket: Int32, _ request: [UInt8]) -> Result<HTTPAnswer, ExchangeFailure> {
        var keep = false
        defer {
            if keep { lock.withLock { idle.append(socket) } } else { close(socket) }
        }
        var offset = 0
        while offset < request.count {
            let n = request[offset...].withUnsafeBytes { systemSend(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { return .failure(ExchangeFailure(failure: TransportFailure(Self.socketError("sending the request")), beforeAnswer: true)) }
            offset += n
        }
        var reader = ResponseReader(socket: socket)
        switch reader.read() {
        case .success(let (answer, reusable)):
            keep = reusable
            return .success(answer)
        case .failure(let failure):
            return .failure(ExchangeFailure(failure: failure, beforeAnswer: reader.received == 0))
        }
    }

    private func connect() -> Result<Int32, TransportFailure> {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, port, &hints, &list)
        guard status == 0, let first = list else {
            return .failure(TransportFailure("cannot resolve \(host): \(String(cString: gai_strerror(status)))"))
        }
        defer { freeaddrinfo(list) }
        var lastError = "no address"
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let address = entry {
            entry = address.pointee.ai_next
            let s = socket(address.pointee.ai_family, address.pointee.ai_socktype, address.pointee.ai_protocol)
            if s < 0 { lastError = String(cString: strerror(errno)); continue }
            var time = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - timeout.rounded(.down)) * 1_000_000))
            setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
            setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))  // bounds connect too
            var one: Int32 = 1
            setsockopt(s, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            if systemConnect(s, address.pointee.ai_addr, address.pointee.ai_addrlen) == 0 { return .success(s) }
            lastError = errno == ECONNREFUSED ? "the connection was refused" : String(cString: strerror(errno))
            close(s)
        }
        return .failure(TransportFailure("cannot connect to \(hostHeader): \(lastError)"))
    }

    static func socketError(_ doing: String) -> String {
        switch errno {
        case EAGAIN, ETIMEDOUT: return "the request timed out (\(doing))"
        case ECONNRESET, EPIPE: return "the connection dropped (\(doing))"
        default: return "\(String(cString: strerror(errno))) (\(doing))"
        }
    }
}

/// Reads one HTTP/1.1 answer: status line, headers, and a body framed by Content-Length,
/// chunked transfer encoding, or the end of the connection.
private struct ResponseReader {
    let socket: Int32
    private var buffer: [UInt8] = []
    private var position = 0
    private(set) var received = 0

    init(socket: Int32) { self.socket = socket }

    mutating func read() -> Result<(HTTPAnswer, Bool), TransportFailure> {
        do {
            let headEnd = try readUntil([13, 10, 13, 10])
            let head = String(decoding: buffer[0..<headEnd], as: UTF8.self)
            position = headEnd + 4
            var lines = head.split(separator: "\r\n", omittingEmptySubsequences: false)
            let statusLine = lines.removeFirst().split(separator: " ", maxSplits: 2)
            guard statusLine.count >= 2, statusLine[0].hasPrefix("HTTP/1."), let status = Int(statusLine[1]) else {
                return .failure(TransportFailure("the service did not answer in HTTP/1.1"))
            }
            var headers: [String: String] = [:]
            for line in lines {
                guard let colon = line.firstIndex(of: ":") else { continue }
                headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
            var reusable = statusLine[0] == "HTTP/1.1" && headers["connection"]?.lowercased() != "close"
            let body: [UInt8]
            if headers["transfer-encoding"]?.lowercased().contains("chunked") == true {
                body = try readChunked()
            } else if let lengthText = headers["content-length"], let length = Int(lengthText), length >= 0 {
                try fill(position + length)
                body = Array(buffer[position..<position + length])
                position += length
            } else {
                body = try readToEnd()
                reusable = false
            }
            if position != buffer.count { reusable = false }  // bytes we did not ask for: do not trust the connection
            return .success((HTTPAnswer(status: status, headers: headers, body: body), reusable))
        } catch {
            return .failure(error)
        }
    }

    private mutating func receive() throws(TransportFailure) -> Int {
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
            if n < 0, errno == EINTR { continue }
            if n < 0 { throw TransportFailure(SocketHTTPTransport.socketError("reading the answer")) }
            if n > 0 { buffer.append(contentsOf: chunk[0..<n]); received += n }
            return n
        }
    }

    private mutating func fill(_ count: Int) throws(TransportFailure) {
        while buffer.count < count {
            if try receive() == 0 { throw TransportFailure(received == 0 ? "the connection dropped before an answer" : "the connection dropped in the middle of the answer") }
        }
    }

    private mutating func readUntil(_ needle: [UInt8]) throws(TransportFailure) -> Int {
        var searchFrom = position
        while true {
            if buffer.count - searchFrom >= needle.count {
                for i in searchFrom...(buffer.count - needle.count) where buffer[i] == needle[0] && buffer[i..<i + needle.count].elementsEqual(needle) {
                    return i
                }
                searchFrom = buffer.count - needle.count + 1
            }
            if try receive() == 0 { throw TransportFailure(received == 0 ? "the connection dropped before an answer" : "the connection dropped in the middle of the answer") }
        }
    }

    private mutating func readChunked() throws(TransportFailure) -> [UInt8] {
        var body: [UInt8] = []
        while true {
            let lineEnd = try readUntil([13, 10])
            let sizeText = String(decoding: buffer[position..<lineEnd], as: UTF8.self).split(separator: ";").first ?? ""
            guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16) else { throw TransportFailure("a chunk of the answer has no valid size") }
            position = lineEnd + 2
            if size == 0 {
                let trailerEnd = try readUntil([13, 10])  // no trailers expected: the empty line
                position = trailerEnd + 2
                return body
            }
            try fill(position + size + 2)
            body.append(contentsOf: buffer[position..<position + size])
            position += size + 2
        }
    }

    private mutating func readToEnd() throws(TransportFailure) -> [UInt8] {
        while try receive() > 0 {}
        defer { position = buffer.count }
        return Array(buffer[position...])
    }
}
