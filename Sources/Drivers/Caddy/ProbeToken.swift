import Foundation

/// The secret that opens `X-Codeb-Upstream` to the controller's confirmation probe. Kept in
/// the state directory (mode 0600) so a restart renders the same site files (no rewrite, no
/// reload); delete the file and restart to rotate it. Written into site files, which only the
/// controller and Caddy read.
public enum ProbeToken {
    /// 32 random bytes as hex.
    public static func random() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }

    /// Hex only (it is written into Caddy files and compared as a header value), 32–128 digits.
    public static func isValid(_ token: String) -> Bool {
        (32...128).contains(token.count) && token.allSatisfy { $0.isHexDigit && ($0.isNumber || $0.isLowercase) }
    }

    /// The token in `path`, or a new one written there. A file others may read, or one that
    /// does not hold a token, is replaced; a directory that cannot be written gives a token
    /// for this process only (the caller says so).
    public static func loadOrCreate(at path: String) -> (token: String, persisted: Bool) {
        let files = FileManager.default
        if let attributes = try? files.attributesOfItem(atPath: path),
           let mode = (attributes[.posixPermissions] as? NSNumber)?.uint16Value, mode & 0o077 == 0,
           let data = files.contents(atPath: path) {
            let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            if isValid(text) { return (text, true) }
        }
        let token = random()
        do {
            try AtomicFile.write(Data((token + "\n").utf8), to: path, permissions: 0o600)
            return (token, true)
        } catch {
            return (token, false)
        }
    }
}
