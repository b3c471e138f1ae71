import Foundation
import State

/// One environment's site as `CaddyRouter.site` last read it.
struct CachedSite: Sendable {
    var mode: SwitchMode
    var stamps: [FileStamp?]
    var site: ManagedSite?
}

/// What `stat` says of a file, enough to tell that it changed: atomic writes replace the inode,
/// edits in place change the size or the modification time (nanoseconds).
struct FileStamp: Sendable, Hashable {
    var inode: UInt64
    var size: Int64
    var seconds: Int
    var nanoseconds: Int

    /// Nil when the file does not exist (or cannot be looked at).
    init?(path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        inode = UInt64(info.st_ino)
        size = Int64(info.st_size)
        seconds = Int(info.st_mtim.tv_sec)
        nanoseconds = Int(info.st_mtim.tv_nsec)
    }
}
