import APIModel
import Controller
import Foundation

extension ConsoleAssets {
    /// The part of the API contract the console needs, as a script that runs before the
    /// console's own: each operation's method, path template and least role, and the roles in
    /// order. The console builds every request and every role check from it, so it names no path
    /// and no role rank of its own.
    static let contract: String = {
        struct Entry: Encodable { var method: String, path: String, role: String? }
        let operations = Dictionary(APIContract.operations.map { ($0.id, Entry(method: $0.method, path: $0.path, role: $0.role)) }, uniquingKeysWith: { first, _ in first })
        struct Table: Encodable { var roles: [String], operations: [String: Entry] }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // The table is the contract's, which the tests check; it always encodes.
        let json = (try? encoder.encode(Table(roles: Role.allCases.sorted().map(\.rawValue), operations: operations))).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        return "// The API contract's operations (Sources/APIModel/Contract/openapi.yaml): method, path, least role.\nconst codebContract = Object.freeze(\(json));\n"
    }()
}
