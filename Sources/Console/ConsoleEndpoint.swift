import Controller
import Hummingbird
import NIOCore

/// The web console at `/`: one page, its stylesheet and its script, shipped inside the binary
/// (`ConsoleAssets`) and served without a key — they hold no data. The page signs in with an
/// API key (kept in the tab's session storage, sent as the bearer header) and reads everything
/// from the JSON API, kept live by the events stream; every action goes through the API, its
/// roles and its audit, as the CLI's do.
///
/// A strict Content-Security-Policy: scripts, styles and connections from this origin only, no
/// inline script or style, no frames, no other origin's assets.
public struct ConsoleEndpoint: APIExtension {
    public init() {}

    public var openPaths: Set<String> { Set(Self.assets.keys).union(["/favicon.ico"]) }

    static let assets: [String: (type: String, body: String)] = [
        "/": ("text/html; charset=utf-8", ConsoleAssets.html),
        "/console.css": ("text/css; charset=utf-8", ConsoleAssets.css),
        "/console.js": ("text/javascript; charset=utf-8", ConsoleAssets.contract + ConsoleAssets.script),
    ]

    public static let contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
        + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

    public func addRoutes(to router: Router<APIContext>, api: ControllerAPI, responder: RouterResponder<APIContext>) {
        // The page names a data: icon, but a browser may still ask for /favicon.ico (before it
        // has read the page, or on a reload): answered empty, not with a 401 to log.
        router.get("/favicon.ico") { _, _ in
            Response(status: .noContent, headers: [.cacheControl: "max-age=86400"])
        }
        for (path, asset) in Self.assets {
            let buffer = ByteBuffer(string: asset.body)
            router.get(RouterPath(path)) { _, _ in
                Response(status: .ok, headers: [
                    .contentType: asset.type,
                    .contentSecurityPolicy: Self.contentSecurityPolicy,
                    .init("X-Content-Type-Options")!: "nosniff",
                    .init("Referrer-Policy")!: "no-referrer",
                    .init("X-Frame-Options")!: "DENY",
                    .cacheControl: "no-cache",
                ], body: .init(byteBuffer: buffer))
            }
        }
    }
}
