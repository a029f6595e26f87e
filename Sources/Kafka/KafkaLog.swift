import CRdKafka
import Foundation
import Synchronization

/// Where librdkafka's own log lines go. By default librdkafka prints them to stderr in its own
/// format (`%4|…|CONFWARN|…`), which would break `--log-format json` and `--quiet`; a program
/// sets `sink` once at start to route them through its logger instead. Levels are syslog's
/// (0 emergency … 3 error, 4 warning, 5 notice, 6 info, 7 debug).
public enum KafkaLog {
    public typealias Sink = @Sendable (_ level: Int32, _ facility: String, _ message: String) -> Void

    private static let current = Mutex<Sink?>(nil)

    public static var sink: Sink? {
        get { current.withLock { $0 } }
        set { current.withLock { $0 = newValue } }
    }

    /// Installs the callback on a configuration (every client handle does this).
    static func install(on conf: OpaquePointer) {
        rd_kafka_conf_set_log_cb(conf) { _, level, facility, message in
            let facilityText = facility.map { String(cString: $0) } ?? ""
            let messageText = message.map { String(cString: $0) } ?? ""
            if let sink = KafkaLog.sink {
                sink(level, facilityText, messageText)
            } else {
                FileHandle.standardError.write(Data("%\(level)|\(facilityText)| \(messageText)\n".utf8))
            }
        }
    }
}
