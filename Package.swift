// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "mrabat",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "mrabat", targets: ["mrabat"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams", exact: "6.2.2"),
        // `mrabat serve` and `mrabat activate --server`.
        .package(url: "https://github.com/hummingbird-project/hummingbird", exact: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", exact: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.34.1"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", exact: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus", exact: "2.4.1"),
        .package(url: "https://github.com/swift-server/async-http-client", exact: "1.37.0"),
        // The PostgreSQL store (`--db postgres://…`): many workers and service nodes on one database.
        .package(url: "https://github.com/vapor/postgres-nio", exact: "1.33.2"),
        // `.xlsx` and `.ods` workbooks are ZIP archives; their entries are inflated as a stream.
        .package(url: "https://github.com/weichsel/ZIPFoundation", exact: "0.9.20"),
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
        // Self-Care's PNG images: deflate and CRC-32. Not `CZlib`: ZIPFoundation's zlib module has that name.
        .systemLibrary(
            name: "CLibZ",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        // The POSIX and resolver calls the Glibc module lacks (syncfs, res_query, ns_parserr). Not `CSystem`:
        // swift-system (under swift-nio, under postgres-nio) has a target of that name, and names are package-global.
        .systemLibrary(name: "CSystemCalls"),
        // Fixed-base modular exponentiation for the SRP groups' generator (libc only). Optimised
        // in debug builds too: the tests compare it with OpenSSL on 100,000 exponents.
        .target(name: "CFixedBase", cSettings: [.unsafeFlags(["-O2"])]),
        // PBKDF2-HMAC-SHA256 for one output block on OpenSSL's SHA-256 compression (activation identities).
        .target(name: "CPBKDF2", dependencies: ["COpenSSL"], cSettings: [.unsafeFlags(["-O2"])]),
        // Self-Care's htpasswd: bcrypt (`$2y$`, as `htpasswd -B` writes) verified by libxcrypt's crypt_r.
        .systemLibrary(
            name: "CCrypt",
            pkgConfig: "libxcrypt",
            providers: [.apt(["libcrypt-dev"])]
        ),
        .target(
            name: "MRABatKit",
            dependencies: [
                "CFixedBase",
                "CPBKDF2",
                "CLibXML2",
                "COpenSSL",
                "CQRencode",
                "CSystemCalls",
                "CLibZ",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ]
        ),
        // The PostgreSQL backend of the store interface; PostgresNIO's types stay inside it.
        .target(
            name: "MRABatPostgres",
            dependencies: [
                "MRABatKit",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The network side: activation API, config download, Self-Care (Hummingbird 2), and the phone's client.
        .target(
            name: "MRABatServer",
            dependencies: [
                "MRABatKit",
                "CCrypt",
                "COpenSSL",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        .executableTarget(
            name: "mrabat",
            dependencies: [
                "MRABatKit",
                "MRABatPostgres",
                "MRABatServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The benchmark: generated BAT files through the real binary, against this machine's yardsticks.
        .executableTarget(
            name: "mrabat-bench",
            dependencies: [
                "MRABatKit",
                "MRABatServer",
                "COpenSSL",
                "TestSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        // Test helpers the test targets and the benchmark use (certificates made with the openssl command,
        // generated .xlsx workbooks).
        .target(
            name: "TestSupport",
            dependencies: [.product(name: "ZIPFoundation", package: "ZIPFoundation")],
            path: "Tests/TestSupport"
        ),
        .testTarget(
            name: "MRABatKitTests",
            dependencies: [
                "MRABatKit", "MRABatPostgres", "CLibXML2", "COpenSSL", "CLibZ", "TestSupport",
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ],
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
        // `mrabat serve` end to end: the built binary on 127.0.0.1, real TLS, real clients (Swift, Python, Chromium).
        .testTarget(
            name: "MRABatServerTests",
            dependencies: [
                "mrabat",
                "MRABatKit",
                "MRABatServer",
                "TestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            // Python clients the tests run from the package root (the srp package, headless Chromium).
            exclude: ["Fixtures/pysrp_activate.py", "Fixtures/selfcare_browser.py"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
