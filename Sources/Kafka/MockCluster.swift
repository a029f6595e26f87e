import CRdKafka

/// librdkafka's in-process mock Kafka cluster, for tests and fault injection: brokers can be taken
/// down, slowed or made to answer with errors, which a real local broker cannot do on demand.
///
/// Limits of the mock (librdkafka 2.0.2) to keep in mind: no offset lookup by timestamp, only about
/// 5 MiB kept per partition, no CreateTopics (use `createTopic` here), and consumer-group
/// listing/describing requests hang the client, so never point `KafkaAdmin`'s group listing at it.
///
/// `@unchecked Sendable` because every mock control call only posts an operation to the mock's own
/// thread (they are thread-safe), and the owner handle is never used for anything else.
public final class MockCluster: @unchecked Sendable {
    private let owner: ClientHandle
    private let cluster: OpaquePointer

    /// Starts `brokers` mock brokers (ids 1…brokers) listening on loopback ports.
    public init(brokers: Int = 1) throws {
        // The mock cluster needs a client handle as its owner; a producer is the lightest one.
        owner = try ClientHandle(
            // It never connects anywhere: silence the notice about having no bootstrap.servers.
            type: RD_KAFKA_PRODUCER, properties: [("client.id", "backfill-mock-owner"), ("log_level", "4")],
            purpose: "create the owner of a mock cluster")
        guard let cluster = rd_kafka_mock_cluster_new(owner.pointer, Int32(brokers)) else {
            throw KafkaError(
                code: .init(.librdkafka), message: "rd_kafka_mock_cluster_new failed",
                context: "Kafka could not start a mock cluster of \(brokers) brokers")
        }
        self.cluster = cluster
    }

    deinit { rd_kafka_mock_cluster_destroy(cluster) }

    /// The `host:port,…` list to use as `KafkaConfiguration.brokers`.
    public var bootstrapServers: String { String(cString: rd_kafka_mock_cluster_bootstraps(cluster)) }

    /// A configuration pointing at this cluster.
    public var configuration: KafkaConfiguration { KafkaConfiguration(brokers: bootstrapServers) }

    public func createTopic(_ name: String, partitions: Int32, replicationFactor: Int32 = 1) throws {
        try check(
            rd_kafka_mock_topic_create(cluster, name, partitions, replicationFactor),
            "create topic \(name) on the mock cluster")
    }

    /// Disconnects the broker and refuses new connections (leadership does not move).
    public func setBrokerDown(_ id: Int32) throws {
        try check(rd_kafka_mock_broker_set_down(cluster, id), "take mock broker \(id) down")
    }

    public func setBrokerUp(_ id: Int32) throws {
        try check(rd_kafka_mock_broker_set_up(cluster, id), "bring mock broker \(id) up")
    }

    /// Delays every answer of the broker, to simulate a slow or distant cluster.
    public func setRoundTripTime(broker: Int32, milliseconds: Int32) throws {
        try check(rd_kafka_mock_broker_set_rtt(cluster, broker, milliseconds), "set the round-trip time of mock broker \(broker)")
    }

    /// Makes the next `errors.count` requests of the given API (e.g. 1 = Fetch, 3 = Metadata) fail
    /// with these `rd_kafka_resp_err_t` codes, one per request, in order.
    public func pushRequestErrors(apiKey: Int16, errors: [Int32]) throws {
        let codes = errors.map { rd_kafka_resp_err_t(rawValue: $0) }
        codes.withUnsafeBufferPointer {
            rd_kafka_mock_push_request_errors_array(cluster, apiKey, $0.count, $0.baseAddress)
        }
    }

    /// Forgets the errors still queued for an API by `pushRequestErrors`.
    public func clearRequestErrors(apiKey: Int16) {
        rd_kafka_mock_clear_request_errors(cluster, apiKey)
    }

    /// Moves a partition's leadership, e.g. onto a broker that is about to go down.
    public func setPartitionLeader(topic: String, partition: Int32, broker: Int32) throws {
        try check(
            rd_kafka_mock_partition_set_leader(cluster, topic, partition, broker),
            "make broker \(broker) the leader of partition \(partition) of \(topic) on the mock cluster")
    }

    private func check(_ err: rd_kafka_resp_err_t, _ what: String) throws {
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(err, context: "Kafka could not \(what)") }
    }
}
