# syntax=docker/dockerfile:1
# The webhook's image: built with the Swift toolchain image, run on Debian slim. The Swift runtime and
# Foundation are linked into the binary (--static-swift-stdlib); PCRE2, zlib, libstdc++ and glibc come
# from the system, and all are part of Debian slim.
#
#   docker build -t k8s-image-replacer:dev .
#   kind load docker-image k8s-image-replacer:dev     # or push it where the cluster pulls from
#
# The builder and the runtime must be the same Debian release (glibc and libpcre2-8 versions); the
# release link packs relocations (DT_RELR, see Package.swift), which needs glibc 2.36 or later.
ARG SWIFT_IMAGE=swift:6.3-bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim

FROM ${SWIFT_IMAGE} AS build
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libpcre2-dev pkg-config binutils ca-certificates \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Every folder Package.swift names a target in: the test targets too, or the package does not load.
COPY Package.swift ./
COPY Sources ./Sources
COPY Plugins ./Plugins
COPY Tests ./Tests
# The cache mount keeps dependency checkouts and build products between builds of the image. strip removes the
# symbol table (only the few hundred dynamic symbols the release link keeps remain, see Package.swift): to
# symbolicate a crash's addresses, rebuild the same commit with the same resolved dependency versions (the
# cache's Package.resolved; the repository does not pin them) without strip, and check that its GNU build id
# (`readelf -n`) matches the image's binary.
RUN --mount=type=cache,target=/src/.build \
    swift build -c release --static-swift-stdlib --product k8s-image-replacer \
    && install -D -m 0755 "$(swift build -c release --show-bin-path)/k8s-image-replacer" /out/k8s-image-replacer \
    && strip /out/k8s-image-replacer

FROM ${RUNTIME_IMAGE}
# libpcre2-8-0 is already in Debian slim (grep needs it); installing it says so and keeps it so.
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libpcre2-8-0 \
    && rm -rf /var/lib/apt/lists/*
# Trust roots for calls to image registries (digest stages); the bundle file alone, without the
# ca-certificates package and the openssl it depends on.
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/k8s-image-replacer /usr/local/bin/k8s-image-replacer
# A numeric user, so that runAsNonRoot can be checked without reading /etc/passwd.
USER 65532:65532
EXPOSE 8443 8080
ENTRYPOINT ["/usr/local/bin/k8s-image-replacer"]
CMD ["serve", "--help"]
