import ArgumentParser
import Foundation
import Kafka
import Reconcile

/// `backfill lag`: where the consumer groups stand on the topic, per partition.
struct LagCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lag",
        abstract: "Show consumer groups' committed offsets and lag per partition, and which group is ahead.",
        discussion: """
        For each partition of the topic: its watermarks, each group's committed offset (the next \
        offset the group will read) and lag (high watermark − committed), and the group that is \
        furthest. Overall, the group with the least left to read is ahead; a partition without a \
        committed offset counts as its whole retained log. A group that has committed nothing is \
        shown as such, not as an error. Offsets are read without joining the groups, so their \
        members are not disturbed.

        Examples:
          backfill lag
          backfill lag --group flink-materializer-v1 --json
        """)

    @OptionGroup var config: ConfigOptions
    @OptionGroup var kafka: KafkaOptions
    @OptionGroup var groups: GroupOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        _ = output.makeLogger("lag")  // librdkafka's lines follow --quiet and --log-format
        let report: LagReport
        do {
            report = try LagReader.read(admin: try KafkaAdmin(configuration: kafka.configuration()), topic: kafka.topic,
                                        groups: groups.selected)
        } catch {
            throw fail(error)
        }
        if output.json {
            printJSON(try JSONReport.encoder().encode(report))
        } else {
            print(LagText.render(report))
        }
    }
}
