import State

/// The port ranges tests allocate from, apart from the product's defaults (4100–5499): a demo
/// controller left running (`make run` holds 4100/4101) and `make test` do not meet. Clear of
/// `FreePort`'s range (20000–31999) and the kernel's ephemeral one.
public enum TestPorts {
    public static let ranges = PortRanges(production: 14100...14499, staging: 14500...14999, preview: 15000...15499)

    /// `--ports` for a `codeb controller` a test starts.
    public static var arguments: [String] { ["--ports", ranges.description] }

    /// The first production pair: what the first environment of a fresh store gets.
    public static var firstProduction: (blue: Int, green: Int) { (ranges.production.lowerBound, ranges.production.lowerBound + 1) }
}
