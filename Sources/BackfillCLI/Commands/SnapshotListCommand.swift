import ArgumentParser
import Display
import Foundation
import Store

extension SnapshotCommand {
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the snapshots in a folder (from their manifests), and exports that never finished.",
            discussion: """
            A folder without a readable manifest is listed with its problem. An export that was \
            killed leaves a hidden .<name>.partial-<n> folder: it is listed as PARTIAL with the \
            time it was last written to (the nightly removes one untouched for a day; remove it \
            by hand with rm -r).

            Examples:
              backfill snapshot list
              backfill snapshot list --dir /backups/snapshots --json
            """)

        @OptionGroup var output: OutputOptions

        @Option(help: ArgumentHelp("The folder holding snapshots.", valueName: "dir"))
        var dir = "snapshots"

        func run() throws {
            _ = output.makeLogger("snapshot list")
            try reportingErrors {
                let entries = try SnapshotListing.list(directory: dir)
                let partials = SnapshotListing.partials(directory: dir)
                if output.json {
                    FileHandle.standardOutput.write(try jsonData(entries.map(ListOutput.init) + partials.map(ListOutput.init)))
                    return
                }
                var lines = [["NAME", "CREATED", "TABLES", "ROWS", "SIZE", "COMPRESSED", "OFFSETS"]]
                for entry in entries {
                    guard let manifest = entry.manifest else {
                        lines.append([Display.name(entry.name), "-", "-", "-", "-", "-", "unreadable: \(Display.line(entry.problem.map(String.init(describing:)) ?? ""))"])
                        continue
                    }
                    let offsets = manifest.checkpoint.map { $0.offsets.map { "\($0.partition):\($0.end)" }.joined(separator: " ") } ?? "-"
                    lines.append([Display.name(entry.name), Display.line(manifest.createdAt), String(manifest.tables.count), String(manifest.totalRows),
                                  formatBytes(manifest.totalUncompressedBytes), formatBytes(manifest.totalCompressedBytes),
                                  offsets.isEmpty ? "-" : offsets])
                }
                for partial in partials {
                    lines.append([Display.name(partial.name), "-", "-", "-", "-", "-",
                                  "PARTIAL: an export of \(Display.name(partial.snapshot)) that did not finish, last written \(Timestamps.iso(partial.lastWritten))"])
                }
                if entries.isEmpty && partials.isEmpty { print("No snapshots in \(Display.name(dir)).") } else { print(alignColumns(lines)) }
            }
        }
    }
}

struct ListOutput: Encodable {
    var name: String
    var path: String
    var createdAt: String?
    var tables: [String]?
    var rows: Int64?
    var uncompressedBytes: Int64?
    var compressedBytes: Int64?
    var checkpoint: SnapshotManifest.Checkpoint?
    var problem: String?

    init(_ entry: SnapshotListing.Entry) {
        name = entry.name
        path = entry.path
        createdAt = entry.manifest?.createdAt
        tables = entry.manifest?.tables.map(\.name)
        rows = entry.manifest?.totalRows
        uncompressedBytes = entry.manifest?.totalUncompressedBytes
        compressedBytes = entry.manifest?.totalCompressedBytes
        checkpoint = entry.manifest?.checkpoint
        problem = entry.problem.map(String.init(describing:))
    }

    init(_ partial: SnapshotListing.Partial) {
        name = partial.name
        path = partial.path
        self.partial = true
        lastWritten = Timestamps.iso(partial.lastWritten)
        problem = "an export of \(partial.snapshot) that did not finish"
    }

    /// Only for the folder of an export that did not finish.
    var partial: Bool?
    var lastWritten: String?

    enum CodingKeys: String, CodingKey {
        case name, path, tables, rows, checkpoint, problem, partial
        case lastWritten = "last_written"
        case createdAt = "created_at", uncompressedBytes = "uncompressed_bytes", compressedBytes = "compressed_bytes"
    }
}
