@testable import Drivers
import Foundation
import State
import Testing

/// The engine's pull stream as the tracker reads it: bytes summed over layers, the manifest
/// digest noted, the error line a failed pull ends with returned; the login header as the
/// Engine API wants it, and refusals told apart from other failures.
@Suite struct PullTrackerTests {
    @Test func layersAreSummedAndTheDigestNoted() {
        var tracker = PullTracker()
        let lines = [
            #"{"status":"Pulling from acme/shop","id":"1"}"#,
            #"{"status":"Downloading","progressDetail":{"current":1000000,"total":4000000},"id":"a"}"#,
            #"{"status":"Downloading","progressDetail":{"current":500000,"total":2000000},"id":"b"}"#,
            #"{"status":"Download complete","progressDetail":{},"id":"a"}"#,
            #"{"status":"Digest: sha256:0123"}"#,
        ]
        var seen: [PullProgress] = []
        for line in lines {
            #expect(tracker.read(Data(line.utf8)[...]) == nil)
            if tracker.changed { seen.append(tracker.progress) }
        }
        #expect(seen.map(\.current) == [1_000_000, 1_500_000, 4_500_000])
        #expect(seen.last?.total == 6_000_000)
        #expect(seen.last?.description == "pulling 4.5/6.0 MB")
        #expect(tracker.digest == "sha256:0123")
        #expect(tracker.read(Data(#"{"errorDetail":{"message":"denied"},"error":"denied"}"#.utf8)[...]) == "denied")
    }

    @Test func theLoginHeaderIsBase64URLJSON() throws {
        let header = DockerRuntime.registryAuthHeader(RegistryAuth(username: "ci", password: "p+/?", server: "127.0.0.1:55000"))
        #expect(!header.contains("+") && !header.contains("/"))
        let standard = header.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        let padded = standard + String(repeating: "=", count: (4 - standard.count % 4) % 4)
        let json = try JSONSerialization.jsonObject(with: try #require(Data(base64Encoded: padded))) as? [String: String]
        #expect(json == ["username": "ci", "password": "p+/?", "serveraddress": "127.0.0.1:55000"])
        #expect(!"\(RegistryAuth(username: "ci", password: "p+/?", server: "h"))".contains("p+/?"))
    }

    @Test(arguments: [
        ("unauthorized: authentication required", RuntimeError.Kind.registryDenied),
        ("Head \"http://127.0.0.1:55000/v2/x/manifests/1\": no basic auth credentials", .registryDenied),
        ("manifest unknown", .imagePullFailed),
    ])
    func refusalsAreToldApart(message: String, kind: RuntimeError.Kind) {
        #expect(DockerRuntime.pullError(RuntimeError(.engine, operation: "pull", message: message)).kind == kind)
    }
}
