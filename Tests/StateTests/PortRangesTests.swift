import Spec
import State
import Testing

/// `--ports`: each kind's range of host ports, widened or moved on hosts that need more.
@Suite struct PortRangesTests {
    @Test(arguments: [
        ("", "production=4100-4499,staging=4500-4999,preview=5000-5499"),
        ("production=4100-4999,staging=5000-5499,preview=5500-5999", "production=4100-4999,staging=5000-5499,preview=5500-5999"),
        ("staging=6000-6999, preview=7000-7999", "production=4100-4499,staging=6000-6999,preview=7000-7999"),
    ])
    func rangesAreReadKindByKind(text: String, expected: String) throws {
        #expect(try PortRanges(parsing: text).description == expected)
    }

    @Test(arguments: [
        ("dev=4100-4200", "production, staging or preview"),
        ("production=4100", "low-high"),
        ("production=80-4499", "1024-65535"),
        ("production=4101-4101", "no blue/green pair"),
        ("production=4100-4600", "overlap"),
    ])
    func badRangesAreRefusedSayingWhy(text: String, message: String) {
        let error = #expect(throws: InvalidValue.self) { try PortRanges(parsing: text) }
        #expect(error?.message.contains(message) == true, "\(error?.message ?? "")")
    }
}
