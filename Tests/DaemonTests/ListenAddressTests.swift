import Daemon
import Testing

@Suite("--listen HOST:PORT")
struct ListenAddressTests {
    @Test("an IPv4 address, a name and a bracketed IPv6 address parse, and print back as given")
    func parses() throws {
        #expect(try ListenAddress(parsing: "127.0.0.1:9464") == ListenAddress(host: "127.0.0.1", port: 9464))
        #expect(try ListenAddress(parsing: "localhost:0") == ListenAddress(host: "localhost", port: 0))
        let v6 = try ListenAddress(parsing: "[::1]:9464")
        #expect(v6 == ListenAddress(host: "::1", port: 9464))
        #expect(v6.description == "[::1]:9464")
        #expect(try ListenAddress(parsing: "0.0.0.0:65535").description == "0.0.0.0:65535")
    }

    @Test("a missing host or port, a port out of range or an unbracketed IPv6 address is a clear error", arguments: [
        ("9464", "no port"), (":9464", "no host"), ("127.0.0.1:", "the port must be a number"),
        ("127.0.0.1:65536", "the port must be a number"), ("127.0.0.1:http", "the port must be a number"),
        ("::1:9464", "in brackets"), ("[::1]9464", "HOST:PORT"),
    ])
    func refuses(text: String, says: String) {
        do {
            _ = try ListenAddress(parsing: text)
            Issue.record("\(text) parsed")
        } catch {
            #expect(error.code == .configuration)
            #expect(error.message.hasPrefix("--listen takes HOST:PORT"))
            #expect(error.message.contains(says), "\(error.message)")
        }
    }
}
