import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A TCP forwarder on 127.0.0.1 in front of a real server (PostgreSQL, the embedding service),
/// for outage tests: `cut()` makes the server vanish as a crashed or restarting one does —
/// every open connection is reset and new ones are refused — and `restore()` brings it back on
/// the same port. The server behind it keeps running, so other tests are not disturbed.
///
/// Not for Kafka: a broker's metadata names its own address, and clients go there directly.
public final class TCPProxy: Sendable {
    public let port: UInt16
    let targetHost: String
    let targetPort: UInt16

    private struct State {
        var listener: Int32 = -1
        var connections: Set<Int32> = []
        var cut = false
        var accepted = 0
    }

    private let state = Mutex(State())

    public init(targetHost: String, targetPort: UInt16) throws {
        self.targetHost = targetHost
        self.targetPort = targetPort
        let (listener, port) = try LoopbackPort.listen(port: 0)
        self.port = port
        state.withLock { $0.listener = listener }
        startAccepting(listener)
    }

    /// A proxy in front of the server a `postgresql://` or `http://` URL names, and the URL
    /// rewritten to go through it.
    public static func inFront(of url: String) throws -> (proxy: TCPProxy, url: String) {
        guard var components = URLComponents(string: url), let host = components.host, let port = components.port else {
            throw ProxyError(description: "\(url) has no host and port to put a proxy in front of")
        }
        let proxy = try TCPProxy(targetHost: host, targetPort: UInt16(port))
        components.host = "127.0.0.1"
        components.port = Int(proxy.port)
        return (proxy, components.string!)
    }

    public struct ProxyError: Error, CustomStringConvertible {
        public var description: String
    }

    deinit { cut() }

    /// Connections accepted so far.
    public var accepted: Int { state.withLock { $0.accepted } }

    /// The server is gone: open connections are reset, new ones refused.
    public func cut() {
        let (listener, connections) = state.withLock { state -> (Int32, Set<Int32>) in
            state.cut = true
            defer { state.listener = -1 }
            return (state.listener, state.connections)
        }
        if listener >= 0 {
            shutdown(listener, Int32(SHUT_RDWR))
            close(listener)
        }
        for fd in connections { shutdown(fd, Int32(SHUT_RDWR)) }
    }

    /// The server is back, on the same port.
    public func restore() throws {
        let (listener, _) = try LoopbackPort.listen(port: port)
        state.withLock { state in
            state.cut = false
            state.listener = listener
        }
        startAccepting(listener)
    }

    private func startAccepting(_ listener: Int32) {
        let thread = Thread { [self] in
            while true {
                let client = accept(listener, nil, nil)
                if client < 0 {
                    if errno == EINTR { continue }
                    return  // cut
                }
                guard let upstream = connectUpstream() else {
                    close(client)
                    continue
                }
                let admitted = state.withLock { state -> Bool in
                    guard !state.cut else { return false }
                    state.connections.formUnion([client, upstream])
                    state.accepted += 1
                    return true
                }
                guard admitted else {
                    close(client)
                    close(upstream)
                    continue
                }
                pump(from: client, to: upstream)
                pump(from: upstream, to: client)
            }
        }
        thread.start()
    }

    private func connectUpstream() -> Int32? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr(targetHost == "localhost" ? "127.0.0.1" : targetHost)
        address.sin_port = targetPort.bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(fd)
            return nil
        }
        return fd
    }

    /// Copies bytes one way until either side ends; then ends both ways and, the second of the
    /// pair to finish, closes both sockets.
    private func pump(from source: Int32, to target: Int32) {
        let thread = Thread { [self] in
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while true {
                let n = buffer.withUnsafeMutableBytes { recv(source, $0.baseAddress, $0.count, 0) }
                if n <= 0 { break }
                var offset = 0
                while offset < n {
                    let sent = buffer[offset..<n].withUnsafeBytes { send(target, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                    if sent <= 0 { break }
                    offset += sent
                }
                if offset < n { break }
            }
            shutdown(source, Int32(SHUT_RDWR))
            shutdown(target, Int32(SHUT_RDWR))
            let last = state.withLock { state -> Bool in
                // The first pump to end removes the pair; the second one closes it.
                if state.connections.contains(source) {
                    state.connections.remove(source)
                    state.connections.remove(target)
                    return false
                }
                return true
            }
            if last {
                close(source)
                close(target)
            }
        }
        thread.start()
    }
}
