// Fuzz target: the image reference parser (`ImageReference(parsing:)`, `normalized`, `dockerReference`).
//
// Properties, for any input:
// - parsing either succeeds or throws a `ReferenceError` whose offset lies within the input; it never traps;
// - an accepted string is its own description, and parse → description → parse gives the same reference; the
//   memberwise initializer accepts the parts and builds the same value;
// - `isNormalized` says exactly whether `normalized(description)` gives the value back;
// - a normalized reference is a fixed point of `normalized`, and so is its familiar (docker) spelling where docker
//   reads that back;
// - `dockerReference` is `normalized` plus upstream's tag rule.
import FuzzSupport
import ReplacerCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzReference(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let input = FuzzInput(data, count).text
    checkParsing(input)
    checkNormalizing(input)
    return 0
}

private func checkParsing(_ input: String) {
    let reference: ImageReference
    do {
        reference = try ImageReference(parsing: input)
    } catch {
        checkError(error, for: input)
        return
    }
    require(reference.description == input, "parse(\(shown(input))).description is \(shown(reference.description))")
    require(
        (try? ImageReference(parsing: reference.description)) == reference,
        "parse → description → parse changed \(shown(input))")
    require(
        (try? ImageReference(
            domain: reference.domain, path: reference.path, tag: reference.tag, digest: reference.digest)) == reference,
        "the memberwise initializer refused the parts of \(shown(input))")
    require(
        (try? reference.withTag(reference.tag)) == reference
            && (try? reference.withDigest(reference.digest)) == reference,
        "withTag/withDigest with the reference's own parts changed \(shown(input))")
    require(
        (reference.domain.isEmpty || ReferenceGrammar.isValidDomain(reference.domain[...]))
            && ReferenceGrammar.isValidPath(reference.path[...])
            && (reference.tag.map { ReferenceGrammar.isValidTag($0[...]) } ?? true)
            && (reference.digest.map { ReferenceGrammar.isValidDigest($0[...]) } ?? true),
        "a part of \(shown(input)) fails the grammar predicates")
    let renormalized = try? ImageReference.normalized(reference.description)
    require(
        reference.isNormalized == (renormalized == reference),
        "isNormalized is \(reference.isNormalized) for \(shown(input)), normalized gives \(String(describing: renormalized))"
    )
}

private func checkNormalizing(_ input: String) {
    let normalized: ImageReference
    do {
        normalized = try ImageReference.normalized(input)
    } catch {
        checkError(error, for: input)
        require((try? ImageReference.dockerReference(input)) == nil, "dockerReference accepts \(shown(input))")
        return
    }
    let text = normalized.description
    require((try? ImageReference(parsing: text)) == normalized, "normalized(\(shown(input))) does not parse back")
    require((try? ImageReference.normalized(text)) == normalized, "normalized is not idempotent on \(shown(input))")
    require(normalized.isNormalized, "normalized(\(shown(input))) is not isNormalized")
    // As upstream, the familiar form drops "docker.io/" and "library/" even when what is left reads differently:
    // a first component that looks like a registry ("docker.io/a.b/c" prints as "a.b/c") or an image ID
    // ("library/<64 hex>" prints as the bare ID). Only the other familiar forms must read back.
    let familiar = normalized.familiarName
    let firstComponent = familiar.split(separator: "/", maxSplits: 1).first ?? ""
    let readsAsRegistry = familiar.contains("/") && ReferenceGrammar.looksLikeDomain(firstComponent)
    let readsAsImageID =
        familiar.utf8.count == 64
        && familiar.utf8.allSatisfy { byte in
            (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
        }
    if normalized.domain != "docker.io" || !(readsAsRegistry || readsAsImageID) {
        require(
            (try? ImageReference.normalized(normalized.familiarString)) == normalized,
            "the familiar form \(shown(normalized.familiarString)) of \(shown(input)) normalizes to something else")
    }
    let docker = try? ImageReference.dockerReference(input)
    let expected =
        normalized.digest != nil
        ? try? ImageReference(domain: normalized.domain, path: normalized.path, digest: normalized.digest)
        : normalized.withDefaultTag()
    require(docker == expected, "dockerReference(\(shown(input))) is \(String(describing: docker))")
}

private func checkError(_ error: ReferenceError, for input: String) {
    require(error.input == input, "error input \(shown(error.input)) for \(shown(input))")
    require(
        error.offset >= 0 && error.offset <= input.utf8.count,
        "error offset \(error.offset) outside \(shown(input)) (\(input.utf8.count) bytes)")
    require(!error.description.isEmpty, "empty error description for \(shown(input))")
}
