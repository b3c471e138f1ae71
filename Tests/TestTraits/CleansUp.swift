import TestSupport
import Testing

/// Runs each test of the suite it is applied to in a `Cleanup` scope: what the test registered
/// with `Cleanup.add` is removed, and awaited, before the next test of the suite starts.
public struct CleansUp: SuiteTrait, TestTrait, TestScoping {
    public var isRecursive: Bool { true }

    public func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        if test.isSuite { return try await function() }
        try await Cleanup.scope { try await function() }
    }
}

extension Trait where Self == CleansUp {
    /// Clean-up registered with `Cleanup.add` runs after each test, whatever its outcome.
    public static var cleansUp: Self { CleansUp() }
}
