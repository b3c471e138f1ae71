import Foundation
#if canImport(Glibc)
import Glibc
import State
#endif

/// Writes files so a reader sees the old content or the new, never a mix, even across a crash:
/// a temporary file in the same directory, fsync, rename over the target, fsync of the directory.
enum AtomicFile {
    static func write(_ data: Data, to path: String, permissions: mode_t = 0o644) throws {
        let directory = (path as NSString).deletingLastPathComponent
        let temporary = directory + "/.\((path as NSString).lastPathComponent).\(UUID().uuidString.prefix(8)).tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, permissions)
        guard fd >= 0 else { throw posixError("create \(temporary)") }
        do {
            try data.withUnsafeBytes { buffer in
                var offset = 0
                while offset < buffer.count {
                    let written = Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                    if written < 0 {
                        if errno == EINTR { continue }
                        throw posixError("write \(temporary)")
                    }
                    offset += written
                }
            }
            guard fsync(fd) == 0 else { throw posixError("fsync \(temporary)") }
            close(fd)
        } catch {
            close(fd)
            unlink(temporary)
            throw error
        }
        guard rename(temporary, path) == 0 else {
            let error = posixError("rename \(temporary) to \(path)")
            unlink(temporary)
            throw error
        }
        syncDirectory(directory)
    }

    static func remove(_ path: String) throws {
        guard unlink(path) == 0 || errno == ENOENT else { throw posixError("remove \(path)") }
        syncDirectory((path as NSString).deletingLastPathComponent)
    }

    static func syncDirectory(_ directory: String) {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        fsync(fd)
        close(fd)
    }

    private static func posixError(_ what: String) -> FileSystemError {
        let code = errno
        return FileSystemError(message: "cannot \(what): \(String(cString: strerror(code)))" + advice(code))
    }

    /// What an operator does about the errors a full or read-only disk gives.
    static func advice(_ code: Int32) -> String {
        switch code {
        case ENOSPC, EDQUOT: "; the file system is full: free space there and try again (nothing was changed)"
        case EROFS: "; the file system is mounted read-only: remount it read-write and try again (nothing was changed)"
        default: ""
        }
    }
}

/// A file operation that failed, with the system's reason.
public struct FileSystemError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
