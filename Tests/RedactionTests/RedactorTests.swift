import Redaction
import Testing

@Suite("The one redactor")
struct RedactorTests {
    @Test("connection strings of every form keep everything but their secrets", arguments: [
        // PostgreSQL URLs (the cases the Postgres module's redactor was held to before).
        ("postgres://app:s3cret@db.internal:5432/events", "postgres://app:***@db.internal:5432/events"),
        ("postgresql://app:s3cret@db.internal/events?sslmode=require", "postgresql://app:***@db.internal/events?sslmode=require"),
        ("postgresql://app:s3%40cr%2Fet@db/x", "postgresql://app:***@db/x"),
        ("postgresql://app:s3cr@t/with@signs@db/x", "postgresql://app:***@db/x"),
        ("postgresql://db/x?user=app&password=s3cret&sslmode=disable", "postgresql://db/x?user=app&password=***&sslmode=disable"),
        ("postgresql://db/x?sslpassword=s3cret&pass%77ord=s3cret", "postgresql://db/x?sslpassword=***&pass%77ord=***"),
        ("postgresql://app@db/x", "postgresql://app@db/x"),
        // Any other scheme, JDBC's double scheme included.
        ("mysql://app:s3cret@db/x", "mysql://app:***@db/x"),
        ("jdbc:postgresql://db:5432/x?user=app&password=s3cret", "jdbc:postgresql://db:5432/x?user=app&password=***"),
        ("jdbc:postgresql://app:s3cret@db/x", "jdbc:postgresql://app:***@db/x"),
        ("http://u:s3cret@embed:8080", "http://u:***@embed:8080"),
        ("https://embed/?token=s3cret&x=1", "https://embed/?token=***&x=1"),
        // libpq conninfo: password and sslpassword, quoted values with spaces and escaped quotes.
        ("host=db.internal port=5432 user=app password=s3cret dbname=events", "host=db.internal port=5432 user=app password=*** dbname=events"),
        ("host=db password = 's3 cr\\'et' dbname=events", "host=db password = *** dbname=events"),
        ("host=db sslpassword='s3 cret' sslkey=/k", "host=db sslpassword=*** sslkey=/k"),
        ("password=s3cret", "password=***"),
        ("host=db dbname=postgresql://u:s3cret@h/db", "host=db dbname=postgresql://u:***@h/db"),
        ("dbname='postgresql://u:s3cret@h/db'", "dbname='postgresql://u:***@h/db'"),
        ("dbname='jdbc:postgresql://h/db?password=s3cret'", "dbname='jdbc:postgresql://h/db?password=***'"),
        // Malformed: everything from where parsing stopped.
        ("host=db password='s3cret", "host=db ***"),
        ("not a connection string s3cret", "***"),
    ])
    func connectionStrings(_ input: String, _ expected: String) {
        #expect(Redactor.connectionString(input) == expected)
        #expect(!Redactor.connectionString(input).contains("s3"))
    }

    @Test("the secrets a connection string carries are found in every spelling", arguments: [
        ("postgresql://app:s3%40cret@db/x", ["s3%40cret", "s3@cret"]),
        ("jdbc:postgresql://db/x?user=app&password=s3cret", ["s3cret"]),
        ("mysql://app:s3cret@db/x", ["s3cret"]),
        ("host=db sslpassword='s3 cret' password=pw\\ 2", ["s3 cret", "pw 2"]),
        ("dbname=postgresql://u:s3cret@h/db", ["s3cret"]),
        ("host=db user=app", []),
    ])
    func secretsFound(_ input: String, _ expected: [String]) {
        #expect(Set(Redactor.secrets(in: input)) == Set(expected))
    }

    @Test("free text hides the secrets it quotes, named or not", arguments: [
        // libpq echoing a string it could not parse (a mysql:// URL, a JDBC URL).
        ("missing \"=\" after \"mysql://app:s3cret@db/x\" in connection info string", [String](),
         "missing \"=\" after \"mysql://app:***@db/x\" in connection info string"),
        ("invalid connection option \"jdbc:postgresql://db/x?user\" in jdbc:postgresql://db/x?user=app&password=s3cret", [],
         "invalid connection option \"jdbc:postgresql://db/x?user\" in jdbc:postgresql://db/x?user=app&password=***"),
        // A password with '@': libpq cuts the URL at the first '@' and quotes the rest as the host.
        ("could not translate host name \"tPWs3@127.0.0.1\" to address: Name or service not known", [],
         "could not translate host name \"***@127.0.0.1\" to address: Name or service not known"),
        ("could not translate host name \"s3cret-tail@127.0.0.1\" to address", ["head@s3cret-tail"],
         "could not translate host name \"***@127.0.0.1\" to address"),
        // key=value secrets in prose: conninfo, Kafka SASL settings.
        ("bad conninfo host=db sslpassword='s3 cret' port=1", [], "bad conninfo host=db sslpassword=*** port=1"),
        ("Configuration property sasl.password=s3cret is invalid", [], "Configuration property sasl.password=*** is invalid"),
        ("KAFKA_SASL_PASSWORD=s3cret", [], "KAFKA_SASL_PASSWORD=***"),
        // Named secrets, wherever they appear; the longest first.
        ("the value s3cret was refused, and s3cret-longer too", ["s3cret", "s3cret-longer"], "the value *** was refused, and *** too"),
        // Nothing to hide: left as it is.
        ("password authentication failed for user \"app\"", [], "password authentication failed for user \"app\""),
        ("it's the user's \"table\" at 12:00", [], "it's the user's \"table\" at 12:00"),
    ])
    func freeText(_ input: String, _ secrets: [String], _ expected: String) {
        #expect(Redactor.text(input, secrets: secrets) == expected)
    }

    @Test("secret keys are recognised in every vocabulary", arguments: [
        ("password", true), ("sslpassword", true), ("PASSWORD", true), ("KAFKA_SASL_PASSWORD", true),
        ("sasl.password", true), ("ssl.key.password", true), ("sasl.oauthbearer.client.secret", true),
        ("sasl.jaas.config", true), ("ssl.key.pem", true), ("pwd", true), ("api-key", true), ("access_token", true),
        ("host", false), ("user", false), ("sslmode", false), ("passfile", false), ("DATABASE_URL", false), ("bootstrap.servers", false),
    ])
    func secretKeys(_ key: String, _ secret: Bool) {
        #expect(Redactor.isSecretKey(key) == secret)
    }

    @Test("settings and config lines show no secret", arguments: [
        ("KAFKA_SASL_PASSWORD", "s3cret", "***"),
        ("DATABASE_URL", "host=db sslpassword=s3cret", "host=db sslpassword=***"),
        ("DATABASE_URL", "mysql://app:s3cret@db/x", "mysql://app:***@db/x"),
        ("EMBEDDING_SERVICE_URL", "http://u:s3cret@h:1", "http://u:***@h:1"),
        ("KAFKA_BROKERS", "b1:9092,b2:9092", "b1:9092,b2:9092"),
    ])
    func settings(_ key: String, _ value: String, _ expected: String) {
        #expect(Redactor.setting(key: key, value: value) == expected)
    }

    @Test("a malformed config line is echoed without its secret", arguments: [
        ("DATABASE_URL postgres://app:s3cret@db/x", "DATABASE_URL postgres://app:***@db/x"),
        ("KAFKA_SASL_PASSWORD s3cret", "KAFKA_SASL_PASSWORD ***"),
        ("export KAFKA_SASL_PASSWORD: s3cret", "KAFKA_SASL_PASSWORD ***"),
        ("BACKFILL_TOPIC events.raw", "BACKFILL_TOPIC events.raw"),
    ])
    func configLines(_ line: String, _ expected: String) {
        #expect(Redactor.configLine(line) == expected)
    }
}
