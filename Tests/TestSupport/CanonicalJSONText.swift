import Foundation

extension OracleValue {
    /// The oracle's canonical form of a JSON text read back from a database (`jsonb::text`).
    public static func canonicalJSON(text: String) -> OracleValue? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed]) else { return nil }
        return .json(OracleJSON.canonical(object))
    }
}
