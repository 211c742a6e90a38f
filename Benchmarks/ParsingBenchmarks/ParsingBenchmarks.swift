// Reference parsing: `ImageReference(parsing:)` (upstream Parse) and `ImageReference.normalized(_:)` (upstream
// ParseNormalizedNamed), over the typical mix and per shape. One operation is one reference; each iteration runs
// 1,000 of them (scalingFactor .kilo), so throughput is references per second on one core.
import Benchmark
import ReplacerBenchmarkSupport
import ReplacerCore

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.throughput, .wallClock, .mallocCountTotal],
        timeUnits: .nanoseconds,
        scalingFactor: .kilo,
        maxDuration: .seconds(2),
        maxIterations: 1_000_000)

    let typical = ImageSamples.typical

    Benchmark("parse typical mix") { benchmark in
        for i in benchmark.scaledIterations {
            blackHole(try? ImageReference(parsing: typical[i % typical.count]))
        }
    }

    Benchmark("normalize typical mix") { benchmark in
        for i in benchmark.scaledIterations {
            blackHole(try? ImageReference.normalized(typical[i % typical.count]))
        }
    }

    // What the pipeline does once per image (and again per rewrite): normalize, then build the normalized string.
    Benchmark("ImageInput typical mix") { benchmark in
        for i in benchmark.scaledIterations {
            blackHole(try? ImageInput(typical[i % typical.count]))
        }
    }

    for (label, reference) in zip(ImageSamples.typicalLabels, typical) {
        Benchmark("parse \(label)") { benchmark in
            for _ in benchmark.scaledIterations {
                blackHole(try? ImageReference(parsing: reference))
            }
        }
        Benchmark("normalize \(label)") { benchmark in
            for _ in benchmark.scaledIterations {
                blackHole(try? ImageReference.normalized(reference))
            }
        }
    }

    // The error path builds a ReferenceError with input and offset; the pipeline turns it into a warning.
    let invalid = ImageSamples.invalid
    Benchmark("normalize invalid mix") { benchmark in
        for i in benchmark.scaledIterations {
            blackHole(try? ImageReference.normalized(invalid[i % invalid.count]))
        }
    }

    // The string a pipeline hands to matchers: `description` of a parsed reference.
    let parsed = typical.compactMap { try? ImageReference.normalized($0) }
    Benchmark("description typical mix") { benchmark in
        for i in benchmark.scaledIterations {
            blackHole(parsed[i % parsed.count].description)
        }
    }

    // Not the library's code: the same string built into one buffer reserved at its final size, to measure what
    // that change to `ImageReference.description` would save (see BENCHMARKS.md).
    Benchmark("description one-allocation sketch typical mix") { benchmark in
        for i in benchmark.scaledIterations {
            blackHole(describeReserved(parsed[i % parsed.count]))
        }
    }
}

/// `name[:tag][@digest]` with a single allocation at most: reserve the final length, then append.
@inline(never)
func describeReserved(_ reference: ImageReference) -> String {
    var length = reference.path.utf8.count
    if !reference.domain.isEmpty { length += reference.domain.utf8.count + 1 }
    if let tag = reference.tag { length += tag.utf8.count + 1 }
    if let digest = reference.digest { length += digest.utf8.count + 1 }
    var result = ""
    result.reserveCapacity(length)
    if !reference.domain.isEmpty {
        result += reference.domain
        result += "/"
    }
    result += reference.path
    if let tag = reference.tag {
        result += ":"
        result += tag
    }
    if let digest = reference.digest {
        result += "@"
        result += digest
    }
    return result
}
