import Prometheus
import Telemetry
import Testing

@Suite("Prometheus text through the registry")
struct ExpositionTests {
    @Test("a whole-number gauge prints as an integer and a fraction as it is")
    func integralValues() {
        let registry = PrometheusCollectorRegistry()
        registry.gauge("t_exit_code", "Exit code.").set(to: 0)
        registry.gauge("t_timestamp_seconds", "When.").set(to: 1_800_000_090)
        registry.gauge("t_negative", "Below zero.").set(to: -3)
        registry.gauge("t_fraction_seconds", "Part of a second.").set(to: 12.5)
        let lines = Exposition.text(registry).split(separator: "\n").map(String.init)
        #expect(lines.contains("t_exit_code 0"))
        #expect(lines.contains("t_timestamp_seconds 1800000090"))
        #expect(lines.contains("t_negative -3"))
        #expect(lines.contains("t_fraction_seconds 12.5"))
    }

    @Test("NaN and infinities are spelled as the text format documents them")
    func specialValues() {
        let registry = PrometheusCollectorRegistry()
        registry.gauge("t_nan", "Not a number.").set(to: .nan)
        registry.gauge("t_inf", "Infinite.").set(to: .infinity)
        registry.gauge("t_minus_inf", "Minus infinite.").set(to: -.infinity)
        let lines = Exposition.text(registry).split(separator: "\n").map(String.init)
        #expect(lines.contains("t_nan NaN"))
        #expect(lines.contains("t_inf +Inf"))
        #expect(lines.contains("t_minus_inf -Inf"))
    }

    @Test("labels, including a value that looks like a number after a space, are left as the registry wrote them")
    func labelsUntouched() {
        let registry = PrometheusCollectorRegistry()
        registry.gauge("t_rows", "Rows.", labels: [("table", "odd 1.0\"name")]).set(to: 2)
        let histogram = registry.durationHistogram("t_batch_seconds", "Batches.", buckets: [.milliseconds(5), .seconds(1)])
        histogram.record(.milliseconds(250))
        let text = Exposition.text(registry)
        #expect(text.contains("t_rows{table=\"odd 1.0\\\"name\"} 2\n"))
        #expect(text.contains("t_batch_seconds_bucket{le=\"0.005\"} 0\n"))
        #expect(text.contains("t_batch_seconds_bucket{le=\"1.0\"} 1\n"))
        #expect(text.contains("t_batch_seconds_bucket{le=\"+Inf\"} 1\n"))
        #expect(text.contains("t_batch_seconds_sum 0.25\n"))
        #expect(text.contains("t_batch_seconds_count 1\n"))
    }

    @Test("one HELP and one TYPE per name, before its samples, however many label sets it has")
    func familiesOnce() {
        let registry = PrometheusCollectorRegistry()
        for table in ["a", "b", "c"] { registry.gauge("t_rows", "Rows per table.", labels: [("table", table)]).set(to: 1) }
        registry.counter("t_events_total", "Events.").increment(by: Int64(3))
        let lines = Exposition.text(registry).split(separator: "\n").map(String.init)
        #expect(lines.filter { $0 == "# HELP t_rows Rows per table." }.count == 1)
        #expect(lines.filter { $0 == "# TYPE t_rows gauge" }.count == 1)
        #expect(lines.contains("# TYPE t_events_total counter"))
        #expect(lines.contains("t_events_total 3"))
        let type = lines.firstIndex(of: "# TYPE t_rows gauge")!
        for sample in lines.indices where lines[sample].hasPrefix("t_rows{") { #expect(sample > type) }
    }

    @Test("asking for a declared series again returns the same series")
    func sameSeries() {
        let registry = PrometheusCollectorRegistry()
        registry.counter("t_retries_total", "Retries.", labels: [("component", "kafka")]).increment()
        registry.counter("t_retries_total", "Retries.", labels: [("component", "kafka")]).increment()
        #expect(Exposition.text(registry).contains("t_retries_total{component=\"kafka\"} 2\n"))
    }

    @Test("the content type is the text format's, version 0.0.4")
    func contentType() {
        #expect(Exposition.contentType == "text/plain; version=0.0.4; charset=utf-8")
    }
}
