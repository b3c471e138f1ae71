#if canImport(Glibc)
import Glibc
#endif
import Drivers
import Foundation
import Spec
import State
import TestSupport
import Testing

/// Maintenance on a real Caddy: users get 503, the message and `Retry-After`; the controller's
/// confirmation probe still reaches the live slot; on Caddy ≥ 2.8 on and off reload nothing
/// (route files), on 2.6 they are a site write and reload.
@Suite(.timeLimit(.minutes(2)))
struct CaddyMaintenanceTests {
    typealias Site = CaddyRouterTests

    @Test(arguments: [true, false])
    func usersGet503WithTheMessageAndTheProbeStillReachesTheSlot(modern: Bool) async throws {
        try await TestScope.run { scope in
            let (v1, _) = try await Site.upstreams(scope)
            try await CaddyInstance.run(modern: modern) { caddy in
                let router = caddy.router(switching: .auto)
                #expect(await router.switchMode() == (modern ? .file : .reload))
                var site = try Site.site("shop", domains: ["shop.test"], upstreams: [v1])
                _ = try await router.apply([.write(site)])
                try await router.confirm(site, path: "/health")
                let loads = caddy.loadsCompleted()

                site.maintenance = SiteMaintenance(message: "Back at 17:00: upgrading the database.", retryAfter: 1800)
                let on = try await router.apply([.write(site)])
                #expect(on.reloaded == !modern, "route files switch it without a reload")
                let answer = try await httpGet("http://127.0.0.1:\(caddy.httpPort)/", host: "shop.test:\(caddy.httpPort)")
                #expect(answer.status == 503 && answer.body == "Back at 17:00: upgrading the database.", "\(answer)")
                let headers = try await rawHeaders(caddy.httpPort, host: "shop.test")
                #expect(headers.contains("Retry-After: 1800"), "\(headers)")
                try await router.confirm(site, path: "/health")   // the probe passes maintenance by
                #expect(try await router.site(site.key)?.intact == true)

                site.maintenance = nil
                let off = try await router.apply([.write(site)])
                #expect(off.reloaded == !modern)
                #expect(try await caddy.get("shop.test").body == "codeb-test web v1\n")
                if modern { #expect(caddy.loadsCompleted() == loads, "neither on nor off reloaded Caddy") }
            }
        }
    }

    /// The response head of `GET /` for `host`, as Caddy sent it.
    func rawHeaders(_ port: Int, host: String) async throws -> String {
        switch Loopback.connect(port: port, timeoutSeconds: 5) {
        case .failure(let failure): throw failure
        case .success(let fd):
            defer { close(fd) }
            let request = Array("GET / HTTP/1.1\r\nHost: \(host):\(port)\r\nConnection: close\r\n\r\n".utf8)
            _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            var response: [UInt8] = [], buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if count <= 0 { break }
                response.append(contentsOf: buffer[..<count])
            }
            return String(decoding: response, as: UTF8.self).components(separatedBy: "\r\n\r\n").first ?? ""
        }
    }

    @Test(arguments: [
        ("Back at 17:00.", "Back at 17:00."),
        ("  padded  ", "padded"),
        ("{env.HOME}", nil), ("say \"hi\"", nil), ("back\\slash", nil), ("two\nlines", nil), ("", nil),
        (String(repeating: "a", count: 301), nil),
    ] as [(String, String?)])
    func aMessageIsOneLineWithoutBracesQuotesOrBackslashes(text: String, expected: String?) {
        #expect((try? Maintenance.message(parsing: text)) == expected)
    }
}
