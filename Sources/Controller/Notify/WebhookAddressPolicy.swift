import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Which addresses a webhook may be delivered to. A receiver is whoever a team's hook names,
/// so by default it reaches only public addresses: never the controller's own host (Caddy's
/// admin API, dockerd's TCP port, PostgreSQL), a link-local metadata service or the private
/// network behind it. The check is made on every address the name resolves to, at delivery
/// time, and the connection is pinned to the address that was checked (no second lookup a
/// rebinding DNS server could answer differently).
public enum WebhookAddressPolicy {
    /// Why an address is not public.
    public enum Kind: String, Sendable, Hashable {
        case loopback, linkLocal = "link-local", privateNetwork = "private", unspecified, multicast, reserved
    }

    /// The kind of a non-public address; nil for a public one.
    public static func kind(of address: String) -> Kind? {
        if let v4 = ipv4(address) { return kind(v4: v4) }
        guard let v6 = ipv6(address) else { return .reserved }
        if v6.allSatisfy({ $0 == 0 }) { return .unspecified }
        if v6[0..<15].allSatisfy({ $0 == 0 }) && v6[15] == 1 { return .loopback }
        // IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible (::a.b.c.d) addresses are IPv4's.
        if v6[0..<10].allSatisfy({ $0 == 0 }) && ((v6[10] == 0xff && v6[11] == 0xff) || (v6[10] == 0 && v6[11] == 0)) {
            return kind(v4: Array(v6[12..<16]))
        }
        if v6[0] == 0xfe && v6[1] & 0xc0 == 0x80 { return .linkLocal }
        if v6[0] & 0xfe == 0xfc { return .privateNetwork }
        if v6[0] == 0xff { return .multicast }
        // NAT64 (64:ff9b::/96) carries an IPv4 address too.
        if v6[0] == 0 && v6[1] == 0x64 && v6[2] == 0xff && v6[3] == 0x9b && v6[4..<12].allSatisfy({ $0 == 0 }) {
            return kind(v4: Array(v6[12..<16]))
        }
        return nil
    }

    static func kind(v4 octets: [UInt8]) -> Kind? {
        switch (octets[0], octets[1]) {
        case (0, _): return .unspecified
        case (127, _): return .loopback
        case (169, 254): return .linkLocal
        case (10, _), (192, 168): return .privateNetwork
        case (172, let second) where (16...31).contains(second): return .privateNetwork
        case (100, let second) where (64...127).contains(second): return .privateNetwork
        case (224...239, _): return .multicast
        case (240...255, _): return .reserved
        default: return nil
        }
    }

    /// Every address `host` resolves to (an address literal resolves to itself).
    public static func resolve(_ host: String) async throws -> [String] {
        let name = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        // An address literal needs no lookup (and no thread).
        if ipv4(name) != nil || ipv6(name) != nil { return [name] }
        // getaddrinfo blocks: a thread of its own, not one of the cooperative pool's.
        return try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { try lookUp(name) })
            }
        }
    }

    private static func lookUp(_ name: String) throws -> [String] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(name, nil, &hints, &list)
        guard status == 0, let first = list else {
            throw WebhookAddressError.unresolved(host: name, reason: String(cString: gai_strerror(status)))
        }
        defer { freeaddrinfo(first) }
        var addresses: [String] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let entry = cursor {
            if let address = entry.pointee.ai_addr {
                var buffer = [CChar](repeating: 0, count: Int(NI_MAXHOST))
                if getnameinfo(address, entry.pointee.ai_addrlen, &buffer, socklen_t(buffer.count), nil, 0, NI_NUMERICHOST) == 0 {
                    let text = String(cString: buffer)
                    if !addresses.contains(text) { addresses.append(text) }
                }
            }
            cursor = entry.pointee.ai_next
        }
        guard !addresses.isEmpty else { throw WebhookAddressError.unresolved(host: name, reason: "no address") }
        return addresses
    }

    /// The address to connect to: the first one `host` resolves to, when every one is allowed.
    /// A name with any non-public address is refused whole (round-robin DNS could otherwise
    /// hand out the private one on the next lookup).
    public static func pinnedAddress(for host: String, allowPrivate: Bool) async throws -> String {
        let addresses = try await resolve(host)
        if !allowPrivate {
            for address in addresses {
                if let kind = kind(of: address) { throw WebhookAddressError.refused(host: host, address: address, kind: kind) }
            }
        }
        return addresses[0]
    }

    private static func ipv4(_ text: String) -> [UInt8]? {
        var address = in_addr()
        guard inet_pton(AF_INET, text, &address) == 1 else { return nil }
        return withUnsafeBytes(of: &address) { Array($0) }
    }

    private static func ipv6(_ text: String) -> [UInt8]? {
        let bare = text.split(separator: "%", maxSplits: 1).first.map(String.init) ?? text
        var address = in6_addr()
        guard inet_pton(AF_INET6, bare, &address) == 1 else { return nil }
        return withUnsafeBytes(of: &address) { Array($0) }
    }
}

/// Why a webhook was not connected to.
public enum WebhookAddressError: Error, CustomStringConvertible, Sendable {
    case unresolved(host: String, reason: String)
    case refused(host: String, address: String, kind: WebhookAddressPolicy.Kind)

    public var description: String {
        switch self {
        case .unresolved(_, let reason):
            return "the webhook's host does not resolve (\(reason))"
        case .refused(_, _, let kind):
            // No host or address: this text reaches /readyz, which names no team's receiver.
            return "refused: the webhook's host resolves to a \(kind.rawValue) address; set allow-private: true on the hook if the operator means it"
        }
    }
}
