#!/usr/bin/env bash
# Builds helm-render offline from Debian's Go packages: golang-go, golang-github-masterminds-sprig-dev and
# golang-gopkg-yaml.v2-dev put their sources under /usr/share/gocode/src. Module mode cannot use them (some of sprig's
# dependencies have no go.mod, so `replace` cannot point at them), so this builds in GOPATH mode: a temporary GOPATH
# holds this folder (linked), and Debian's folder comes second. The go.mod here makes GOPATH mode resolve sprig's
# "/v3" import path (Go's minimal module compatibility applies only to code in a tree with a go.mod).
# Usage: build.sh OUTPUT
set -euo pipefail

out=${1:?usage: build.sh OUTPUT}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
debian=/usr/share/gocode
command -v go >/dev/null || { echo "helm-render: go is missing (apt-get install golang-go)" >&2; exit 3; }
[[ -d $debian/src/github.com/Masterminds/sprig ]] || { echo "helm-render: sprig is missing (apt-get install golang-github-masterminds-sprig-dev)" >&2; exit 3; }
[[ -d $debian/src/gopkg.in/yaml.v2 ]] || { echo "helm-render: yaml.v2 is missing (apt-get install golang-gopkg-yaml.v2-dev)" >&2; exit 3; }

gopath=$(mktemp -d)
trap 'rm -rf "$gopath"' EXIT
mkdir -p "$gopath/src/liquidmetal.dev"
ln -s "$here" "$gopath/src/liquidmetal.dev/helm-render"
case $out in /*) ;; *) out=$PWD/$out ;; esac
cd "$gopath/src/liquidmetal.dev/helm-render"
cache=${GOCACHE:-$(go env GOCACHE 2>/dev/null || true)}
GO111MODULE=off GOPATH="$gopath:$debian" GOFLAGS= GOPROXY=off GOCACHE=${cache:-$gopath/cache} \
    go build -o "$out" liquidmetal.dev/helm-render
