import Prometheus

/// Declaring a metric is one line: its name and HELP once, labels as pairs.
///
/// swift-prometheus deprecated its name-based `make…` calls in favour of `MetricNameDescriptor`,
/// whose parts (namespace, subsystem, unit) this project never splits: names here are written out
/// whole, as the alerting rules and docs quote them. Asking again for the same name and labels
/// returns the same series, so a follower may look a labeled series up where it needs it.
extension PrometheusCollectorRegistry {
    public func gauge(_ name: String, _ help: String, labels: [(String, String)] = []) -> Gauge {
        makeGauge(descriptor: Self.descriptor(name, help), labels: labels)
    }

    public func counter(_ name: String, _ help: String, labels: [(String, String)] = []) -> Counter {
        makeCounter(descriptor: Self.descriptor(name, help), labels: labels)
    }

    /// A histogram of durations in seconds; `buckets` must be the same for every label set of a name.
    public func durationHistogram(_ name: String, _ help: String, buckets: [Duration],
                                  labels: [(String, String)] = []) -> DurationHistogram {
        makeDurationHistogram(descriptor: Self.descriptor(name, help), labels: labels, buckets: buckets)
    }

    /// A histogram of plain values (records per batch, texts per request).
    public func valueHistogram(_ name: String, _ help: String, buckets: [Double],
                               labels: [(String, String)] = []) -> ValueHistogram {
        makeValueHistogram(descriptor: Self.descriptor(name, help), labels: labels, buckets: buckets)
    }

    private static func descriptor(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }
}

/// Bucket layouts that suit what the tool measures.
public enum MetricBuckets {
    /// A follower's batch: a 1,000-event batch is meant to take under 100 ms and a record to be
    /// visible within 1.5 s, so the buckets are dense below a second and reach a minute for a
    /// catch-up batch after an outage.
    public static let batchDuration: [Duration] = [
        .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
        .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2_500), .seconds(5),
        .seconds(10), .seconds(30), .seconds(60),
    ]

    /// From a record's production to its rows being visible: the follower's goal is a p50 of half
    /// a second and a p99 of a second and a half, so the buckets are fine around those.
    public static let freshness: [Duration] = [
        .milliseconds(50), .milliseconds(100), .milliseconds(200), .milliseconds(300), .milliseconds(400),
        .milliseconds(500), .milliseconds(750), .seconds(1), .milliseconds(1_250), .milliseconds(1_500),
        .seconds(2), .seconds(3), .seconds(5), .seconds(10), .seconds(30), .seconds(60),
    ]

    /// A call to a remote service (the embedding service's `/generate`): tens of milliseconds to
    /// the client's timeout.
    public static let serviceLatency: [Duration] = [
        .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
        .milliseconds(500), .seconds(1), .milliseconds(2_500), .seconds(5), .seconds(10), .seconds(30),
    ]

    /// Records per batch, by powers of ten and their halves, up to a full `--max-batch-records`.
    public static let recordCount: [Double] = [1, 5, 10, 50, 100, 500, 1_000, 5_000, 10_000, 50_000, 100_000]
}
