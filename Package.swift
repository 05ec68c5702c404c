// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "mrabat",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "mrabat", targets: ["mrabat"]),
        .library(name: "MRABatKit", targets: ["MRABatKit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams", exact: "6.2.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CLibXML2",
            pkgConfig: "libxml-2.0",
            providers: [.apt(["libxml2-dev"])]
        ),
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]
        ),
        // Self-Care's QR codes of activation codes.
        .systemLibrary(
            name: "CQRencode",
            pkgConfig: "libqrencode",
            providers: [.apt(["libqrencode-dev"])]
        ),
        // Self-Care's PNG images: deflate and CRC-32.
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        // The POSIX and resolver calls the Glibc module lacks (syncfs, res_query, ns_parserr). Not `CSystem`:
        // swift-system (under swift-nio, under postgres-nio) has a target of that name, and names are package-global.
        .systemLibrary(name: "CSystemCalls"),
        // Fixed-base modular exponentiation for the SRP groups' generator (libc only). Optimised
        // in debug builds too: the tests compare it with OpenSSL on 100,000 exponents.
        .target(name: "CFixedBase", cSettings: [.unsafeFlags(["-O2"])]),
        .target(
            name: "MRABatKit",
            dependencies: [
                "CFixedBase",
                "CLibXML2",
                "COpenSSL",
                "CQRencode",
                "CSystemCalls",
                "CZlib",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .executableTarget(
            name: "mrabat",
            dependencies: [
                "MRABatKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // The benchmark: generated BAT files through the real binary, against this machine's yardsticks.
        .executableTarget(
            name: "mrabat-bench",
            dependencies: [
                "MRABatKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        // Test helpers both test targets use (certificates made with the openssl command).
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(
            name: "MRABatKitTests",
            dependencies: ["MRABatKit", "CLibXML2", "COpenSSL", "CZlib", "TestSupport"],
            resources: [.copy("Fixtures")]
        ),
        // End to end: runs the built `mrabat` binary against real files and a real store.
        .testTarget(
            name: "mrabatTests",
            dependencies: [
                "mrabat",
                "MRABatKit",
                "TestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
