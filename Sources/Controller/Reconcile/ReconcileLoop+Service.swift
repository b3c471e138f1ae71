import ServiceLifecycle

/// The loop as a swift-service-lifecycle `Service`: on graceful shutdown (SIGTERM) it stops
/// taking new keys, and a pass in progress finishes before `run` returns, so a rollout step is
/// never cut in half by a deploy of codeb itself.
public struct ReconcileService: Service {
    public let loop: ReconcileLoop

    public init(loop: ReconcileLoop) {
        self.loop = loop
    }

    public func run() async throws {
        let loop = self.loop
        await withGracefulShutdownHandler {
            await loop.run()
        } onGracefulShutdown: {
            Task { await loop.drain() }
        }
    }
}
