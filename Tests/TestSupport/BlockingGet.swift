import Foundation
import Synchronization
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One GET over a real socket from a synchronous test, as a Prometheus scraper or a load
/// balancer's health check does: the status and the body, or nil when nothing answered.
public func blockingGet(_ url: String, timeout: TimeInterval = 10) -> (status: Int, body: String)? {
    var request = URLRequest(url: URL(string: url)!)
    request.timeoutInterval = timeout
    let done = DispatchSemaphore(value: 0)
    let result = Mutex<(Int, String)?>(nil)
    URLSession.shared.dataTask(with: request) { data, response, _ in
        if let http = response as? HTTPURLResponse {
            result.withLock { $0 = (http.statusCode, String(decoding: data ?? Data(), as: UTF8.self)) }
        }
        done.signal()
    }.resume()
    done.wait()
    return result.withLock { $0 }
}

extension CLIProcess.Running {
    /// The port of a follower's status server (`--listen 127.0.0.1:0`), from the log line that
    /// announces it; nil until it has.
    public var statusPort: Int? {
        guard let line = stderrSoFar.split(separator: "\n").first(where: { $0.contains("status server listening on http://127.0.0.1:") }),
              let range = line.range(of: "127.0.0.1:") else { return nil }
        return Int(line[range.upperBound...].prefix { $0.isNumber })
    }
}
