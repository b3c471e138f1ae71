import APIModel
import ArgumentParser
import Foundation

/// `codeb secrets rotate-key` (owner): a fresh controller key; every value sealed again with it.
struct SecretsRotateKeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rotate-key", abstract: "Seal every secret and registry login again under a fresh key (owner).")
    @OptionGroup var client: ClientOptions

    func run() async throws {
        let result = try await client.client().perform { client in
            switch try await client.rotateSecretKey() {
            case .ok(let answer): try answer.body.json
            case .accepted(let answer): try answer.body.json
            case let other: throw CLIError("the controller answered rotate-key with \(other)")
            }
        }
        if let lacking = result.lacking, !lacking.isEmpty {
            // Nothing is sealed with a key a running node cannot read.
            print("key \(result.keyID) is staged; node\(lacking.count == 1 ? "" : "s") \(lacking.joined(separator: ", ")) lack\(lacking.count == 1 ? "s" : "") it: add its line from this host's key file to theirs (they pick it up within a minute), then run rotate-key again")
            return
        }
        print("the secret key is now \(result.keyID); \(result.resealed) value\(result.resealed == 1 ? "" : "s") sealed again")
    }
}
