import CRdKafka

/// Everything that goes wrong in this module, as one sentence a person can act on:
/// "Kafka could not read partition 3 of events.raw: Broker: Unknown topic or partition (code 3)".
///
/// `context` says what we were doing, `message` what went wrong, `code` lets callers branch
/// (e.g. retry on `.timedOut`, stop on `.recordsDeleted`) without parsing text.
public struct KafkaError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// What kind of failure, independent of librdkafka's numbering.
        public enum Kind: String, Hashable, Sendable {
            /// A librdkafka or broker error without a more specific meaning here; see `rdKafkaError`.
            case librdkafka
            /// A missing or invalid setting (environment variable or librdkafka property).
            case configuration
            /// An argument this module refuses, such as an overlapping range.
            case invalidArgument
            /// The topic does not exist on the cluster.
            case topicNotFound
            /// The requested offsets are no longer (or not yet) in the partition.
            case offsetOutOfRange
            /// A partition made no progress for the allowed time.
            case stalled
            /// The operation did not finish within its timeout.
            case timedOut
            /// Produced records were not acknowledged by the broker.
            case deliveryFailed
            /// A topic exists but with another partition count than asked for.
            case partitionCountMismatch
        }

        public var kind: Kind
        /// The `rd_kafka_resp_err_t` value behind the error, when librdkafka gave one.
        public var rdKafkaError: Int32?

        public init(_ kind: Kind, rdKafkaError: Int32? = nil) {
            self.kind = kind
            self.rdKafkaError = rdKafkaError
        }

        public var description: String {
            rdKafkaError.map { "\(kind.rawValue) (\($0))" } ?? kind.rawValue
        }
    }

    public var code: Code
    /// What went wrong, e.g. librdkafka's own text for the error code.
    public var message: String
    /// What we were trying to do, phrased as "Kafka could not …".
    public var context: String

    public init(code: Code, message: String, context: String) {
        self.code = code
        self.message = message
        self.context = context
    }

    public var description: String {
        let suffix = code.rdKafkaError.map { " (code \($0))" } ?? ""
        return "\(context): \(message)\(suffix)"
    }
}

extension KafkaError {
    /// An error from a `rd_kafka_resp_err_t`, with librdkafka's text unless `message` is given.
    init(_ err: rd_kafka_resp_err_t, context: String, message: String? = nil, kind: Code.Kind? = nil) {
        let text = message ?? String(cString: rd_kafka_err2str(err))
        self.init(code: Code(kind ?? Self.kind(of: err), rdKafkaError: err.rawValue), message: text, context: context)
    }

    /// Takes ownership of a `rd_kafka_error_t` and destroys it.
    init(consuming error: OpaquePointer, context: String) {
        let err = rd_kafka_error_code(error)
        let text = String(cString: rd_kafka_error_string(error))
        rd_kafka_error_destroy(error)
        self.init(err, context: context, message: text)
    }

    /// Our kind for the librdkafka codes that callers may want to branch on.
    static func kind(of err: rd_kafka_resp_err_t) -> Code.Kind {
        switch err {
        case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART, RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
            return .topicNotFound
        case RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE, RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET:
            return .offsetOutOfRange
        case RD_KAFKA_RESP_ERR__TIMED_OUT, RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
            return .timedOut
        case RD_KAFKA_RESP_ERR__INVALID_ARG:
            return .invalidArgument
        default:
            return .librdkafka
        }
    }
}
