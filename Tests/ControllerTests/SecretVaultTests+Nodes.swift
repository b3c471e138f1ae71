@testable import Controller
import Drivers
import Foundation
import Spec
import State
import Testing
import TestSupport

extension SecretVaultTests {
    /// Two controllers on one PostgreSQL, each with its own key file: a rotation on one never
    /// makes a value unreadable to the other. It waits (nothing sealed with the new key) while
    /// the other lacks the key, completes once it holds it, and each node drops the old key
    /// only when both seal with the new one.
    @Test func aRotationOnOneOfTwoNodesNeverLeavesTheOtherUnableToRead() async throws {
        try await StoreHarness.with(.postgres) { harness in
            let keys = NSTemporaryDirectory() + "codeb-nodes-" + UUID().uuidString.prefix(8)
            defer { try? FileManager.default.removeItem(atPath: keys) }
            try FileManager.default.createDirectory(atPath: keys + "/a", withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: keys + "/b", withIntermediateDirectories: true)
            let storeA = try await harness.open() as! any SecretStore, storeB = try await harness.open() as! any SecretStore
            let a = try SecretVault.open(store: storeA, keyFile: keys + "/a/secret.key", node: "a")
            // The second node got the first one's key file when it was set up, as the docs say.
            try FileManager.default.copyItem(atPath: keys + "/a/secret.key", toPath: keys + "/b/secret.key")
            let b = try SecretVault.open(store: storeB, keyFile: keys + "/b/secret.key", node: "b")
            let first = a.currentKeyID
            let beats = (try await a.heartbeat(), try await b.heartbeat())
            #expect(beats == ("ok", "ok"))
            _ = try await a.set(Self.owner, scope: nil, values: [Self.name("X"): "x-value"], author: "t")

            // a rotates: b lacks the new key, so nothing is sealed with it.
            let pending = try await a.rotateKey()
            guard case .pending(let staged, let lacking) = pending else { Issue.record("\(pending)"); return }
            #expect(lacking == ["b"] && a.currentKeyID == first)
            let waiting = try await a.heartbeat()
            #expect(waiting.contains("node b lacks key \(staged)"), "\(waiting)")
            _ = try await a.set(Self.owner, scope: nil, values: [Self.name("Y"): "y-value"], author: "t")
            let both = try #require(try await a.bind(Self.owner, names: [Self.name("X"), Self.name("Y")], environment: .production))
            #expect(try await b.values(Self.owner, binding: both) == ["X": "x-value", "Y": "y-value"], "b reads everything meanwhile")

            // The operator adds the key's line to b's file; b reports it at its next beat.
            let line = try String(contentsOfFile: keys + "/a/secret.key", encoding: .utf8).split(separator: "\n").first { $0.hasPrefix(staged + ":") }
            try (String(contentsOfFile: keys + "/b/secret.key", encoding: .utf8) + String(try #require(line)) + "\n").write(toFile: keys + "/b/secret.key", atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: keys + "/b/secret.key")
            #expect(try await b.heartbeat() == "ok")
            let done = try await a.rotateKey()
            guard case .rotated(staged, let resealed) = done else { Issue.record("\(done)"); return }
            #expect(resealed == 2 && a.currentKeyID == staged)
            #expect(try await b.values(Self.owner, binding: both) == ["X": "x-value", "Y": "y-value"], "b reads the values sealed again")
            #expect(try String(contentsOfFile: keys + "/a/secret.key", encoding: .utf8).split(separator: "\n").count == 2,
                    "a keeps the old key while b still seals with it")

            // b adopts the new key at its beat (and may drop the old); then a drops it too.
            _ = try await b.heartbeat()
            #expect(b.currentKeyID == staged)
            _ = try await a.heartbeat()
            for node in ["a", "b"] {
                #expect(try String(contentsOfFile: keys + "/\(node)/secret.key", encoding: .utf8).split(separator: "\n").count == 1, "\(node) holds only the new key")
            }
            _ = try await b.set(Self.owner, scope: nil, values: [Self.name("Z"): "z-value"], author: "t")
            let all = try #require(try await b.bind(Self.owner, names: [Self.name("X"), Self.name("Y"), Self.name("Z")], environment: .production))
            #expect(try await a.values(Self.owner, binding: all) == ["X": "x-value", "Y": "y-value", "Z": "z-value"])
        }
    }
}
