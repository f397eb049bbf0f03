//go:build tools

// Package tools records the language host vrlab builds, so `go mod tidy` keeps its pin.
package tools

import _ "github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs"
