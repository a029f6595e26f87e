import Foundation
import Store

extension SnapshotManifest.Checkpoint {
    /// The checkpoint a run (or embedding) manifest describes, for `snapshot export --checkpoint`:
    /// read by the one checkpoint reader (`Checkpoint.read`), and recorded under the manifest's
    /// file name.
    public static func fromRunManifest(path: String) throws -> Self {
        do {
            var checkpoint = try Checkpoint.read(path: path)
            checkpoint.source = (path as NSString).lastPathComponent
            return checkpoint
        } catch let error as StoreError {
            throw SnapshotError(code: .invalidCheckpoint, snapshot: nil, message: "the run manifest \(path) cannot be used: \(error.message)")
        }
    }
}
