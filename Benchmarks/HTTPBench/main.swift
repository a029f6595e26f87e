// `scripts/bench-http.sh` runs this: what one request to the embedding service costs the client
// (CPU of this process per request, all its threads) and how long it waits (latency
// percentiles), for the small requests a follower sends (/health, a 1-text /generate) and a
// batch of 64. Usage: HTTPBench URL [REQUESTS] [ROUNDS] [TRUST_ROOTS_PEM]
import Embeddings
import Foundation
#if canImport(Glibc)
import Glibc
#endif

func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

let arguments = CommandLine.arguments
guard arguments.count >= 2, let url = URL(string: arguments[1]) else {
    FileHandle.standardError.write(Data("usage: HTTPBench URL [REQUESTS] [ROUNDS] [TRUST_ROOTS_PEM]\n".utf8))
    exit(2)
}
let requests = arguments.count > 2 ? Int(arguments[2]) ?? 400 : 400
let rounds = arguments.count > 3 ? Int(arguments[3]) ?? 4 : 4
let client = ServiceClient(baseURL: url, timeout: 60, connections: 1, trustRoots: arguments.count > 4 ? arguments[4] : nil)
let batch = (0..<64).map { "message \($0) of a batch, about as long as a text message usually is, give or take" }

struct Kind {
    var name: String
    var count: Int
    var call: (Int) -> Bool
}
let kinds = [
    Kind(name: "health", count: requests) { _ in if case .success = client.health() { true } else { false } },
    Kind(name: "generate1", count: requests) { i in if case .success = client.generate(["a short message number \(i)"]) { true } else { false } },
    Kind(name: "generate64", count: max(1, requests / 20)) { _ in if case .success = client.generate(batch) { true } else { false } },
]
for kind in kinds { _ = kind.call(0) }  // connect, warm up
var latencies: [String: [Double]] = [:]
var cpu: [String: Double] = [:]
for _ in 0..<rounds {
    for kind in kinds {
        let cpu0 = cpuSeconds()
        for i in 0..<kind.count {
            let t0 = DispatchTime.now().uptimeNanoseconds
            guard kind.call(i) else {
                FileHandle.standardError.write(Data("HTTPBench: \(kind.name) failed against \(client.displayName)\n".utf8))
                exit(1)
            }
            latencies[kind.name, default: []].append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
        }
        cpu[kind.name, default: 0] += cpuSeconds() - cpu0
    }
}
func percentile(_ values: [Double], _ p: Double) -> Double {
    let sorted = values.sorted()
    return sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
}
for kind in kinds {
    let values = latencies[kind.name]!
    print(String(format: "%@ %d %.1f %.3f %.3f %.3f", kind.name, values.count, cpu[kind.name]! / Double(values.count) * 1e6,
                 percentile(values, 0.5), percentile(values, 0.9), percentile(values, 0.99)))
}
