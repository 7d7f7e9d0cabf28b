# syntax=docker/dockerfile:1
# The reconciler's image (helm/liquidmetal runs it): the liquidmetal CLI on Debian bookworm, as UID/GID 10001, with
# what the reconciler runs beside itself (git for fetch and push, ssh for SSH remotes and signatures, gpg for
# --require-gpg-key). The same image runs `reconcile` in a cluster and `validate` or `plan` in a CI pipeline.
#
#   docker build -t liquidmetal .
#
# Where no registry can be reached, scripts/build-image.sh (make image) builds the same file with buildah from a
# bookworm base assembled from Debian packages and a CLI published outside the container (--target prebuilt).

ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0
ARG RUNTIME_IMAGE=debian:bookworm-slim

FROM ${SDK_IMAGE} AS build
WORKDIR /src
COPY .editorconfig Directory.Build.props Directory.Packages.props ./
COPY schemas/ schemas/
COPY src/ src/
# Self-contained, as the Debian package is: bookworm has no .NET runtime package, and a runtime base image would
# bring a second distribution's conventions for no gain. English resources only (invariant globalization).
RUN dotnet publish src/LiquidMetal.Cli -c Release -r linux-x64 --self-contained true \
        -p:PublishReadyToRun=true -p:SatelliteResourceLanguages=en -o /out -nologo -clp:ErrorsOnly

FROM ${RUNTIME_IMAGE} AS runtime-base
# libssl3 for gRPC over TLS to the agents; no ICU (invariant globalization).
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        ca-certificates git openssh-client gpg libssl3 \
    && rm -rf /var/lib/apt/lists/* /var/cache/apt/* /var/log/apt /var/log/dpkg.log \
    && groupadd --system --gid 10001 liquidmetal \
    && useradd --uid 10001 --gid 10001 --home-dir /var/lib/liquidmetal --no-create-home \
        --shell /usr/sbin/nologin liquidmetal \
    && install -d -o 10001 -g 10001 /var/lib/liquidmetal /var/lib/liquidmetal/mirror \
    && ln -s /opt/liquidmetal/liquidmetal /usr/local/bin/liquidmetal
# The root file system is read-only in the chart: git and ssh write under $HOME, .NET its diagnostics socket under
# /tmp, and both are emptyDirs there.
ENV HOME=/tmp
USER 10001:10001
WORKDIR /var/lib/liquidmetal
ENTRYPOINT ["liquidmetal"]
CMD ["--help"]

# The local path (scripts/build-image.sh, --target prebuilt): the CLI published outside the container, the same
# command as the build stage's, into artifacts/image/publish.
FROM runtime-base AS prebuilt
COPY artifacts/image/publish/ /opt/liquidmetal/

# The default target: the CLI from the SDK stage.
FROM runtime-base AS runtime
COPY --from=build /out/ /opt/liquidmetal/
