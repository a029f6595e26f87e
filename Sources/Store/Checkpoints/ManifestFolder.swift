import Foundation

/// The folder run manifests are written to (`<run_id>.json` and `latest.json`).
public struct ManifestFolder: Sendable {
    public let path: String

    public init(path: String) { self.path = path }

    /// Deletes all but the newest `kept` run manifests (`run-<time>-….json`, whose names sort by
    /// time); `latest.json` and other files stay. A follower writes one per batch.
    @discardableResult
    public func prune(keeping kept: Int) throws -> Int {
        let names = try FileManager.default.contentsOfDirectory(atPath: path)
            .filter { $0.hasPrefix("run-") && $0.hasSuffix(".json") }
            .sorted()
        let doomed = names.dropLast(max(0, kept))
        for name in doomed { try FileManager.default.removeItem(atPath: (path as NSString).appendingPathComponent(name)) }
        return doomed.count
    }
}
