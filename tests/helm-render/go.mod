module liquidmetal.dev/helm-render

go 1.19

// Built offline from Debian's packaged sources (golang-github-masterminds-sprig-dev, golang-gopkg-yaml.v2-dev) in
// GOPATH mode by build.sh; these are the versions Debian 12 packages. With network access, `go mod tidy` then
// `go build` works too.
require (
	github.com/Masterminds/sprig/v3 v3.2.3
	gopkg.in/yaml.v2 v2.4.0
)
