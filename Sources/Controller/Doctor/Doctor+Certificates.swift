import Drivers
import Foundation
import Spec
import State

extension Doctor {
    /// With automatic HTTPS: what Caddy serves for every live domain in the site files (read by
    /// handshake, as the controller reads it), warning of one missing, not verifying or ending
    /// within 14 days — with where the domain's DNS points when that may be why.
    func certificatesCheck() async -> DoctorCheck? {
        guard case .automaticHTTPS = configuration.listeners.mode else { return nil }
        let router = CaddyRouter(configuration.routerConfiguration())
        guard let sites = try? await router.listSites() else { return nil }
        let configs = sites.compactMap(\.config)
        let ownCA = Set(configs.filter { $0.tls == .internal }.flatMap { $0.routes.flatMap(\.domains) })
        let domains = Array(Set(configs.flatMap { $0.routes.filter { !$0.upstreams.isEmpty }.flatMap(\.domains) })).sorted { $0.value < $1.value }
        guard !domains.isEmpty else { return DoctorCheck("certificates", .ok, "no live domain yet") }
        let checked = Array(domains.prefix(Self.certificatesChecked))
        // `tls: internal` domains verify against Caddy's own root; the others against public roots only.
        let publicCA = await router.certificates(for: checked.filter { !ownCA.contains($0) })
        let served = publicCA + (await router.certificates(for: checked.filter { ownCA.contains($0) }, internalCA: true))
        let now = Date()
        var problems: [String] = []
        for certificate in served {
            if !certificate.verified {
                problems.append("\(certificate.domain): \(certificate.problem ?? "does not verify")" + Self.dnsNote(certificate.domain))
            } else if let days = certificate.daysLeft(at: now), days < ServedCertificate.warningDays {
                problems.append("\(certificate.domain): ends in \(days) day\(days == 1 ? "" : "s") (Caddy renews 30 days ahead: renewal is failing)" + Self.dnsNote(certificate.domain))
            }
        }
        let more = domains.count > checked.count ? " (the first \(checked.count) of \(domains.count))" : ""
        guard problems.isEmpty else {
            return DoctorCheck("certificates", .warn, "\(problems.count) of \(checked.count) live domain\(checked.count == 1 ? "" : "s")\(more): " + problems.prefix(5).joined(separator: "; "),
                               fix: "read Caddy's log (journalctl -u caddy) for the domain: its DNS must point here and ports 80/443 be open; see docs/operating.md §2a")
        }
        let soonest = served.compactMap { certificate in certificate.daysLeft(at: now).map { (certificate.domain, $0) } }.min { $0.1 < $1.1 }
        return DoctorCheck("certificates", .ok, "\(checked.count) live domain\(checked.count == 1 ? "" : "s")\(more) served with certificates that verify"
                           + (soonest.map { "; the soonest ends in \($0.1) days (\($0.0))" } ?? ""))
    }

    static let certificatesChecked = 50

    /// `; its DNS points at 203.0.113.7, not at this host's addresses`, or nothing when it points
    /// here or cannot be resolved from this host.
    static func dnsNote(_ domain: Hostname) -> String {
        let resolved = addresses(of: domain.value)
        guard !resolved.isEmpty else { return "; its name does not resolve from this host" }
        let local = localAddresses()
        guard resolved.isDisjoint(with: local) else { return "" }
        return "; its DNS points at \(resolved.sorted().joined(separator: ", ")), not at an address of this host (fine behind NAT or a balancer)"
    }

    /// The IPv4 and IPv6 addresses `name` resolves to here (getaddrinfo, no shell).
    static func addresses(of name: String) -> Set<String> {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(name, nil, &hints, &result) == 0, let first = result else { return [] }
        defer { freeaddrinfo(first) }
        var found: Set<String> = []
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let current = entry {
            if let text = numeric(current.pointee.ai_addr, length: current.pointee.ai_addrlen) { found.insert(text) }
            entry = current.pointee.ai_next
        }
        return found
    }

    /// The addresses of this host's interfaces.
    static func localAddresses() -> Set<String> {
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0, let first = list else { return [] }
        defer { freeifaddrs(first) }
        var found: Set<String> = []
        var entry: UnsafeMutablePointer<ifaddrs>? = first
        while let current = entry {
            if let address = current.pointee.ifa_addr {
                let family = Int32(address.pointee.sa_family)
                let length = socklen_t(family == AF_INET6 ? MemoryLayout<sockaddr_in6>.size : MemoryLayout<sockaddr_in>.size)
                if family == AF_INET || family == AF_INET6, let text = numeric(address, length: length) { found.insert(text) }
            }
            entry = current.pointee.ifa_next
        }
        return found
    }

    static func numeric(_ address: UnsafePointer<sockaddr>?, length: socklen_t) -> String? {
        guard let address else { return nil }
        var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
        guard getnameinfo(address, length, &host, socklen_t(host.count), nil, 0, NI_NUMERICHOST) == 0 else { return nil }
        return String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
