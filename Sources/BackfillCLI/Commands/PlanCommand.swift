import ArgumentParser
import Backfill
import Foundation
import Kafka
import Store

struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Show the offset range per partition that a run with these bounds would read.",
        discussion: """
        Bounds resolve to one half-open offset range [start, end) per partition of the topic. \
        Record timestamps (the producer's CreateTime) pick the offsets for --since/--until;
        --after starts exactly where an earlier run ended. Nothing is read or written.

        Examples:
          backfill plan --from-beginning
          backfill plan --since -24h --until now
          backfill plan --after snapshots/manifests/latest.json --json
        """
    )

    @OptionGroup var config: ConfigOptions
    @OptionGroup var bounds: BoundsOptions
    @OptionGroup var kafka: KafkaOptions
    @OptionGroup var output: OutputOptions

    func validate() throws { try bounds.requireStart() }

    func run() throws {
        _ = output.makeLogger("plan")  // librdkafka's lines follow --quiet and --log-format
        do {
            let planner = RunPlanner(admin: try KafkaAdmin(configuration: kafka.configuration()))
            let plan = try planner.plan(topic: kafka.topic, bounds: try bounds.bounds())
            if output.json {
                let object: [String: Any] = [
                    "topic": plan.topic,
                    "total_records": plan.totalRecords,
                    "ranges": plan.ranges.map { r -> [String: Any] in
                        var o: [String: Any] = ["partition": r.partition, "start": r.start, "end": r.end, "records": r.count]
                        if let w = plan.watermarks[r.partition] { o["low_watermark"] = w.low; o["high_watermark"] = w.high }
                        if let note = plan.notes[r.partition] { o["note"] = note }
                        return o
                    },
                ]
                printJSON(try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys]))
            } else {
                print(plan.table())
            }
        } catch {
            throw fail(error)
        }
    }
}
