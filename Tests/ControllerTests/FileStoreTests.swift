@testable import Controller
import Drivers
import Foundation
import Spec
import State
import Testing

/// What only the file store does; shared behaviour is in `StoreConformanceTests`.
@Suite struct FileStoreTests {
    static func directory() -> String {
        NSTemporaryDirectory() + "codeb-store-" + UUID().uuidString.prefix(8).lowercased()
    }

    @Test func aSecondStoreOnTheSameDirectoryIsRefused() throws {
        let directory = Self.directory()
        let first = try FileStore(directory: directory)
        let error = #expect(throws: StoreError.self) { try FileStore(directory: directory) }
        #expect(error?.kind == .locked)
        #expect(error?.message.contains(directory) == true)
        _ = first
    }

    @Test func aCorruptFileStopsTheOpenWithItsPath() throws {
        let directory = Self.directory()
        try FileManager.default.createDirectory(atPath: directory + "/environments/shop", withIntermediateDirectories: true)
        let path = directory + "/environments/shop/production.json"
        try "{\"key\": 1".write(toFile: path, atomically: true, encoding: .utf8)
        let error = #expect(throws: StoreError.self) { try FileStore(directory: directory) }
        #expect(error?.kind == .corrupt)
        #expect(error?.message.contains(path) == true)
    }
}
