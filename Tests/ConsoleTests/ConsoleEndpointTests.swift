import APIModel
@testable import Console
@testable import Controller
import Drivers
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// The console's files: served without a key (they hold no data) under a strict CSP, with no
/// inline script or style and no HTML built from data; everything else still needs a key.
@Suite struct ConsoleEndpointTests {
    /// A controller API on an empty state directory: the console needs no data to be served.
    static func api() throws -> ControllerAPI {
        let directory = NSTemporaryDirectory() + "codeb-console-" + UUID().uuidString.prefix(8)
        return ControllerAPI(store: try FileStore(directory: directory), keys: try FileKeyStore(directory: directory))
    }

    @Test(arguments: ["/", "/console.js", "/console.css"])
    func anAssetIsServedWithoutAKeyUnderAStrictPolicy(_ path: String) async throws {
        let app = Application(router: try Self.api().routes(extensions: [ConsoleEndpoint()]))
        try await app.test(.router) { client in
            try await client.execute(uri: path, method: .get) { response in
                #expect(response.status == .ok)
                let policy = response.headers[.contentSecurityPolicy] ?? ""
                #expect(policy.contains("default-src 'none'") && policy.contains("script-src 'self'") && policy.contains("frame-ancestors 'none'"))
                #expect(!policy.contains("unsafe-inline") && !policy.contains("unsafe-eval"))
                #expect(response.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff")
                let type = response.headers[.contentType] ?? ""
                #expect(type.hasPrefix(path == "/" ? "text/html" : path.hasSuffix(".js") ? "text/javascript" : "text/css"))
            }
        }
    }

    @Test func theAPIStillNeedsAKeyAndNothingElseIsOpen() async throws {
        let app = Application(router: try Self.api().routes(extensions: [ConsoleEndpoint()]))
        try await app.test(.router) { client in
            for path in ["/v1/projects", "/v1/keys", "/v1/events", "/console.map", "/index.html"] {
                try await client.execute(uri: path, method: .get) { #expect($0.status == .unauthorized, "\(path)") }
            }
            try await client.execute(uri: "/favicon.ico", method: .get) { #expect($0.status == .noContent, "no 401 for a browser's icon request") }
        }
    }

    @Test func thePageHasNoInlineScriptOrStyleAndTheScriptBuildsNoHTMLFromData() {
        let html = ConsoleAssets.html
        #expect(html.matches(of: /<script(?![^>]*\bsrc=)[^>]*>/).isEmpty, "an inline <script>")
        #expect(html.matches(of: /<style\b/).isEmpty && html.matches(of: /\sstyle=/).isEmpty, "inline style")
        #expect(html.matches(of: /\son[a-z]+=/).isEmpty, "an inline event handler")
        let script = ConsoleAssets.script
        for sink in ["innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"] {
            #expect(!script.contains(sink), "the script uses \(sink)")
        }
        #expect(script.contains("sessionStorage"), "the key is kept for the tab only")
        #expect(!script.contains("localStorage"))
    }

    /// The console's requests and role checks come from the contract it is served with: the
    /// script names no API path, and every operation it calls or checks exists.
    @Test func theConsoleNamesOperationsOfTheContractAndNoPath() throws {
        #expect(!ConsoleAssets.script.contains("/v1/"), "an API path in the console's script")
        let named = Set(ConsoleAssets.script.matches(of: /(?:call|url|may|act)\('([A-Za-z]+)'/).map { String($0.output.1) })
        let declared = Set(APIContract.operations.map(\.id))
        #expect(named.count >= 10, "\(named.sorted())")
        #expect(named.isSubset(of: declared), "operations the contract does not declare: \(named.subtracting(declared).sorted())")
        #expect(ConsoleAssets.contract.contains(#""listProjects":{"method":"GET","path":"/v1/projects","role":"viewer"}"#), "\(ConsoleAssets.contract.prefix(300))")
    }
}
