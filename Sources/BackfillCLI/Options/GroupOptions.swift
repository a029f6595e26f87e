import ArgumentParser

/// Which consumer groups to look at: the older materializer's and the Flink job's by default.
struct GroupOptions: ParsableArguments {
    static let defaultGroups = ["materializer-v1", "flink-materializer-v1"]

    @Option(name: .customLong("group"),
            help: ArgumentHelp("A consumer group to show (repeat for several). Default: materializer-v1 and flink-materializer-v1.", valueName: "group"))
    var groups: [String] = []

    var selected: [String] {
        var seen = Set<String>()
        return (groups.isEmpty ? Self.defaultGroups : groups).filter { seen.insert($0).inserted }
    }

    func validate() throws {
        if groups.contains(where: { $0.isEmpty }) { throw ValidationError("--group must not be empty") }
    }
}
