# The optimizer's GitHub Action image (action.yml: runs.using docker).
#
# Both stages use the official Go image, pinned to an exact release: the
# final image must carry the Go toolchain, because validation builds, vets
# and tests the user's code, and git, for worktrees and diffs (the golang
# bookworm image includes git, gcc for cgo, and sets GOTOOLCHAIN=local).
# Bump both lines together; keep them at a release of the go directive's
# minor version or newer.

FROM golang:1.26.8-bookworm AS build
# VERSION is the release being built (the release workflow passes it);
# `optimizer version` prints it.
ARG VERSION=""
WORKDIR /src
ENV CGO_ENABLED=0 GOFLAGS=-mod=readonly
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN go build -trimpath -ldflags "-X main.stamped=${VERSION}" -o /out/optimizer . && /out/optimizer version

FROM golang:1.26.8-bookworm
COPY --from=build /out/optimizer /usr/local/bin/optimizer
RUN git --version && go version
# No USER: GitHub runs Docker actions as root (the workspace is mounted from
# the runner and must stay writable); the optimizer trusts the workspace for
# git and keeps tokens away from the commands it runs on the user's code.
# No WORKDIR: the runner starts the container with --workdir
# /github/workspace, the checked-out repository, and the optimizer works on
# its working directory.
ENTRYPOINT ["/usr/local/bin/optimizer"]
