import Crypto
import Foundation
import State

/// The encrypted form of a backup, streamed: a one-line JSON header naming the backup and its
/// data key (sealed by the controller's key), then frames of at most `chunk` bytes of archive,
/// each AES-256-GCM under the data key with a nonce of its own (a random prefix ‖ the frame's
/// index) and the backup id, index and last-frame flag as authenticated data — a frame moved,
/// dropped, reordered or a file cut short does not open. Memory: one frame, however large the
/// volume.
public enum BackupCipher {
    public static let chunk = 1 << 20
    static let magic = "codeb-backup-v1"

    public struct Header: Sendable, Hashable, Codable {
        public var format: String
        public var id: String
        /// The data key, base64, sealed by the controller's `SecretBox` (context `backup:{id}`).
        public var sealedKey: SealedValue
        /// 4 random bytes, base64: the first part of every frame's nonce.
        public var noncePrefix: String
    }

    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    static func nonce(_ prefix: Data, _ index: UInt64) throws -> AES.GCM.Nonce {
        var counter = index.bigEndian
        return try AES.GCM.Nonce(data: prefix + Data(bytes: &counter, count: 8))
    }

    static func aad(_ id: String, _ index: UInt64, last: Bool) -> Data {
        Data("\(magic)|\(id)|\(index)|\(last ? 1 : 0)".utf8)
    }

    /// Writes one backup file: frames go to `path.partial`, which becomes `path` only at `finish`.
    public final class Writer {
        let id: String
        let key: SymmetricKey
        let prefix: Data
        let handle: FileHandle
        let path: String
        var buffer = Data()
        var index: UInt64 = 0
        public private(set) var storedBytes: Int64 = 0

        public init(path: String, id: String, key: SymmetricKey, sealedKey: SealedValue) throws {
            self.id = id
            self.key = key
            self.path = path
            var random = SystemRandomNumberGenerator()
            prefix = Data((0..<4).map { _ in UInt8.random(in: .min ... .max, using: &random) })
            let partial = path + ".partial"
            guard FileManager.default.createFile(atPath: partial, contents: nil, attributes: [.posixPermissions: 0o600]) else {
                throw Failure(description: "cannot create \(partial)")
            }
            handle = try FileHandle(forWritingTo: URL(fileURLWithPath: partial))
            let header = Header(format: BackupCipher.magic, id: id, sealedKey: sealedKey, noncePrefix: prefix.base64EncodedString())
            try write(try JSONEncoder().encode(header) + Data("\n".utf8))
        }

        private func write(_ data: Data) throws {
            try handle.write(contentsOf: data)
            storedBytes += Int64(data.count)
        }

        private func frame(_ plain: Data, last: Bool) throws {
            let sealed = try AES.GCM.seal(plain, using: key, nonce: try BackupCipher.nonce(prefix, index), authenticating: BackupCipher.aad(id, index, last: last))
            let body = sealed.ciphertext + sealed.tag
            var length = UInt32(body.count).bigEndian
            try write(Data(bytes: &length, count: 4) + body)
            index += 1
        }

        public func append(_ data: Data) throws {
            buffer += data
            while buffer.count >= BackupCipher.chunk {
                try frame(Data(buffer.prefix(BackupCipher.chunk)), last: false)
                buffer = Data(buffer.dropFirst(BackupCipher.chunk))
            }
        }

        /// The last frame, then fsync and rename: a crash before leaves only a `.partial`.
        public func finish() throws {
            try frame(buffer, last: true)
            buffer = Data()
            try handle.synchronize()
            try handle.close()
            guard rename(path + ".partial", path) == 0 else { throw Failure(description: "cannot rename \(path).partial: errno \(errno)") }
        }

        /// Drops what was written.
        public func abandon() {
            try? handle.close()
            try? FileManager.default.removeItem(atPath: path + ".partial")
        }
    }

    /// Reads one backup file frame by frame.
    public final class Reader {
        let handle: FileHandle
        public let header: Header
        var key: SymmetricKey?
        var prefix = Data()
        var index: UInt64 = 0
        var ended = false

        public init(path: String) throws {
            guard let handle = FileHandle(forReadingAtPath: path) else { throw Failure(description: "cannot open \(path)") }
            self.handle = handle
            var line = Data()
            while let byte = try handle.read(upToCount: 1), let first = byte.first, first != 0x0A {
                line.append(first)
                if line.count > 4096 { throw Failure(description: "\(path) is not a codeb backup (no header)") }
            }
            guard let header = try? JSONDecoder().decode(Header.self, from: line), header.format == BackupCipher.magic else {
                throw Failure(description: "\(path) is not a codeb backup")
            }
            self.header = header
        }

        /// Opens the frames with the data key the header's sealed key held.
        public func unlock(_ key: SymmetricKey) throws {
            self.key = key
            guard let prefix = Data(base64Encoded: header.noncePrefix), prefix.count == 4 else { throw Failure(description: "the backup's header is damaged") }
            self.prefix = prefix
        }

        /// The next frame's archive bytes; nil after the last one. A cut or altered file throws.
        public func next() throws -> Data? {
            guard !ended else { return nil }
            guard let key else { throw Failure(description: "the backup is locked") }
            guard let lengthBytes = try handle.read(upToCount: 4), lengthBytes.count == 4 else {
                throw Failure(description: "backup \(header.id) is cut short after frame \(index) (no last frame)")
            }
            let length = Int(lengthBytes.reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
            guard length >= 16, length <= BackupCipher.chunk + 16, let body = try handle.read(upToCount: length), body.count == length else {
                throw Failure(description: "backup \(header.id) is damaged at frame \(index)")
            }
            let nonce = try BackupCipher.nonce(prefix, index)
            let box = try AES.GCM.SealedBox(nonce: nonce, ciphertext: body.prefix(length - 16), tag: body.suffix(16))
            for last in [false, true] {
                if let plain = try? AES.GCM.open(box, using: key, authenticating: BackupCipher.aad(header.id, index, last: last)) {
                    index += 1
                    ended = last
                    return plain
                }
            }
            throw Failure(description: "backup \(header.id) does not open at frame \(index) (altered, or another controller's key)")
        }

        public func close() { try? handle.close() }
    }
}
