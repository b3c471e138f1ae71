import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Reading a line-per-entry log from its end, so the newest entries cost the least.
enum AuditFile {
    /// Calls `line` with each non-empty line of `path`, last first, until it returns false or
    /// the file's start; a missing file has no lines. Reads 64 KiB at a time.
    static func linesBackward(_ path: String, chunk: Int = 64 * 1024, _ line: (Data) throws -> Bool) throws {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            if errno == ENOENT { return }
            throw FileSystemError(message: "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        var end = lseek(descriptor, 0, SEEK_END)
        // The bytes after the last line break seen so far: the start of a line not yet whole.
        var carry = Data()
        while end > 0 {
            let start = max(0, end - off_t(chunk))
            var buffer = Data(count: Int(end - start))
            let read = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, start) }
            guard read == buffer.count else { throw FileSystemError(message: "cannot read \(path): \(String(cString: strerror(errno)))") }
            buffer.append(carry)
            var lines = buffer.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
            // The first piece may continue in the chunk before this one (unless this is the start).
            carry = start > 0 ? Data(lines.removeFirst()) : Data()
            for piece in lines.reversed() where !piece.isEmpty {
                if try !line(Data(piece)) { return }
            }
            end = start
        }
        if !carry.isEmpty { _ = try line(carry) }
    }
}
