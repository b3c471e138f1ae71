// swift-tools-version:6.0
import PackageDescription

// The pinned swift-openapi-generator, built on its own (`make generate`, and `make test`'s check
// that the committed Sources/APIModel/Generated is what the contract generates). codeb's own build
// does not depend on it: the generated code is committed (ahead-of-time generation; README,
// "The API contract", says why).
let package = Package(
    name: "openapi-generator",
    dependencies: [
        .package(url: "https://github.com/apple/swift-openapi-generator.git", from: "1.14.3"),
    ],
    targets: []
)
