import Foundation
import Logging
import ServiceLifecycle

/// Every `interval`, the vault's heartbeat (`SecretVault.heartbeat`): this node reports the keys
/// it holds, adopts the key every node seals with, and retires old keys when all nodes may. A
/// failed beat (the database away) is logged and tried again at the next one.
public struct KeyringService: Service {
    let vault: SecretVault
    let interval: Duration
    let logger: Logger
    /// The last summary, for `/readyz`.
    let summary: KeyringSummary

    public init(vault: SecretVault, interval: Duration = .seconds(30), summary: KeyringSummary, logger: Logger) {
        self.vault = vault
        self.interval = interval
        self.summary = summary
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isCancelled {
            do {
                summary.set(try await vault.heartbeat())
            } catch {
                logger.warning("cannot report this node's secret keys; a key rotation waits for it", metadata: ["error": "\(error)"])
            }
            do { try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) } } catch { return }
        }
    }
}
