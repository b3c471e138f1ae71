import Foundation
import Synchronization

/// Clean-up steps a test registers as it creates things (containers, databases, images), run
/// and awaited after the test whatever its outcome — a failed `#expect`, a thrown error or an
/// exceeded time limit. A `defer { Task { … } }` is not that: the detached task may run after
/// the next test started (or never, when the process exits first), and the containers it
/// should have removed keep holding the test port ranges.
///
/// The scope is set up by the `.cleansUp` trait of the test targets (Swift Testing's
/// `TestScoping`), or by `Cleanup.scope` directly.
public final class Cleanup: Sendable {
    @TaskLocal public static var current: Cleanup?

    private let steps = Mutex<[@Sendable () async -> Void]>([])

    public init() {}

    /// Registers a step to run after the current test; steps run last-registered first.
    public static func add(_ step: @escaping @Sendable () async -> Void) {
        guard let current else {
            // Outside a scope (a suite without the trait): still clean up, as before, and say so.
            FileHandle.standardError.write(Data("Cleanup.add outside a cleansUp scope: cleaning up detached\n".utf8))
            Task.detached { await step() }
            return
        }
        current.steps.withLock { $0.append(step) }
    }

    /// Runs `body` with a fresh clean-up list, then the list's steps, whether `body` threw or not.
    public static func scope<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        let cleanup = Cleanup()
        let result: Result<T, any Error>
        do {
            result = .success(try await $current.withValue(cleanup) { try await body() })
        } catch {
            result = .failure(error)
        }
        await cleanup.run()
        return try result.get()
    }

    /// A detached task, awaited: a test cancelled by its time limit still gets its clean-up,
    /// since cancellation does not reach an unstructured task.
    private func run() async {
        let steps = self.steps.withLock { steps in defer { steps.removeAll() }; return steps }
        await Task.detached {
            for step in steps.reversed() { await step() }
        }.value
    }
}
