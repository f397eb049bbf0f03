//go:build tools

// Package tools records the engine binaries vrlab builds, so `go mod tidy` keeps their pins.
package tools

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
