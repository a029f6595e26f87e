import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One GET over a real socket, as a Prometheus scraper or a load balancer's health check does.
struct HTTPReply: Sendable {
    var status: Int
    var contentType: String?
    var body: String
}

func get(_ url: String) async throws -> HTTPReply {
    var request = URLRequest(url: URL(string: url)!)
    request.timeoutInterval = 600
    let (data, response) = try await URLSession.shared.data(for: request)
    let http = response as! HTTPURLResponse
    return HTTPReply(status: http.statusCode, contentType: http.value(forHTTPHeaderField: "Content-Type"),
                     body: String(decoding: data, as: UTF8.self))
}
