import Foundation
import Testing

/// The Dockerfile cannot be built here (no container engine); these check what would break it or the pod.
@Suite struct DockerfileTests {
    let dockerfile: String
    init() throws { dockerfile = try readRepositoryFile("Dockerfile") }

    /// A target folder the image build does not copy makes `swift build` fail inside the build.
    @Test func copiesEveryFolderThePackageNamesATargetIn() throws {
        let manifest = try readRepositoryFile("Package.swift")
        let paths = try Regex(#"path: "([^"/]+)/"#)
        let folders = Set(manifest.matches(of: paths).compactMap { $0.output[1].substring.map(String.init) })
        #expect(folders.isSuperset(of: ["Sources", "Tests"]))
        for folder in folders.sorted() {
            #expect(dockerfile.contains("COPY \(folder) ./\(folder)\n"), "the Dockerfile does not copy \(folder)/")
        }
        let ignored = try readRepositoryFile(".dockerignore").split(separator: "\n").map(String.init)
        #expect(folders.allSatisfy { !ignored.contains($0) })
    }

    @Test func buildsAStaticSwiftReleaseAndRunsItAsANumericNonRootUser() throws {
        let stages = dockerfile.split(separator: "\n").filter { $0.hasPrefix("FROM ") }
        #expect(stages.count == 2)
        #expect(dockerfile.contains("swift build -c release --static-swift-stdlib"))
        #expect(dockerfile.contains("ARG SWIFT_IMAGE=swift:6."))
        #expect(dockerfile.contains("libpcre2-8-0"))
        let user = try #require(dockerfile.split(separator: "\n").last { $0.hasPrefix("USER ") })
        let uid = try #require(Int(user.dropFirst(5).split(separator: ":")[0]))
        #expect(uid > 0)
        // The pod's runAsUser is the image's user, so file ownership and runAsNonRoot agree.
        let workload = try yamlDocuments(try readRepositoryFile("dev/k8s-image-replacer.yaml"))
        #expect(
            value(document(workload, kind: "Deployment"), "spec.template.spec.securityContext.runAsUser") as? Int == uid
        )
        #expect(dockerfile.contains("COPY --from=build /out/k8s-image-replacer /usr/local/bin/k8s-image-replacer"))
    }
}
