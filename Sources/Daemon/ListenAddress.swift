/// Where the status server listens: `--listen HOST:PORT`, e.g. `127.0.0.1:9464` or `[::1]:9464`.
///
/// The host is required: a status server on every interface is a choice to write down
/// (`0.0.0.0:9464`), not a default. Port 0 asks the kernel for a free port; the server logs the
/// one it got.
public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `HOST:PORT`; an IPv6 host goes in brackets.
    public init(parsing text: String) throws(DaemonError) {
        let usage = "--listen takes HOST:PORT, e.g. 127.0.0.1:9464 or [::1]:9464"
        let host: Substring, portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                throw DaemonError(.configuration, "\(usage) (got \"\(text)\")")
            }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":") else { throw DaemonError(.configuration, "\(usage) (got \"\(text)\": no port)") }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
            guard !host.contains(":") else {
                throw DaemonError(.configuration, "\(usage) (got \"\(text)\": an IPv6 address goes in brackets)")
            }
        }
        guard !host.isEmpty, !host.contains(where: \.isWhitespace) else {
            throw DaemonError(.configuration, "\(usage) (got \"\(text)\": no host)")
        }
        guard let port = Int(portText), (0...65_535).contains(port) else {
            throw DaemonError(.configuration, "\(usage) (got \"\(text)\": the port must be a number from 0 to 65535)")
        }
        self.init(host: String(host), port: port)
    }

    /// `HOST:PORT`, with an IPv6 host in brackets, as `--listen` takes it.
    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
