import ServiceLifecycle

/// The loop as a swift-service-lifecycle `Service`: on graceful shutdown (SIGTERM) it stops
/// taking new keys; a pass in progress finishes before `run` returns.
public struct ReconcileService: Service {
    public let loop: ReconcileLoop

    public init(loop: ReconcileLoop) {
        self.loop = loop
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await loop.run()
        }
    }
}
