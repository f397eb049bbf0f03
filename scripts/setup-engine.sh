#!/usr/bin/env bash
# Builds the Pulumi engine from Go modules into $VRLAB_ENGINE_DIR, once per pinned version:
#   pulumi                    github.com/pulumi/pulumi/pkg/v3/cmd/pulumi        (tools/engine)
#   pulumi-language-nodejs    github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/...    (tools/langhost)
# A stamp holding the hash of the pins makes a second run a no-op.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

lock_version=$(node -p "require('$VRLAB_ROOT/package-lock.json').packages['node_modules/@pulumi/pulumi'].version")
if [ "$lock_version" != "$VRLAB_PULUMI_VERSION" ]; then
  echo "setup-engine: package-lock.json has @pulumi/pulumi $lock_version but the engine pin is $VRLAB_PULUMI_VERSION" >&2
  exit 1
fi

pins=$(cat "$VRLAB_ROOT"/tools/engine/go.mod "$VRLAB_ROOT"/tools/engine/go.sum \
           "$VRLAB_ROOT"/tools/langhost/go.mod "$VRLAB_ROOT"/tools/langhost/go.sum | sha256sum | cut -c1-16)
stamp="$VRLAB_ENGINE_DIR/.built-$pins"
# The dynamic-provider plugin beside the CLI, where the engine looks for its bundled plugins: found
# anywhere else on PATH, it warns on every run. It runs the project's own @pulumi/pulumi, as the
# npm package's script does (the engine starts plugins in the project's directory).
provider_plugin() {
  local f="$1/pulumi-resource-pulumi-nodejs"
  [ -x "$f" ] && return 0
  cat > "$f.$$" <<'EOF'
#!/bin/sh
exec node "$(node -p "require.resolve('@pulumi/pulumi/cmd/dynamic-provider')")" "$@"
EOF
  chmod 755 "$f.$$" && mv "$f.$$" "$f"
}

if [ -f "$stamp" ] && [ -x "$VRLAB_ENGINE_DIR/bin/pulumi" ] && [ -x "$VRLAB_ENGINE_DIR/bin/pulumi-language-nodejs" ]; then
  provider_plugin "$VRLAB_ENGINE_DIR/bin"
  exit 0
fi

command -v go >/dev/null || export PATH="/usr/local/go/bin:$PATH"
echo "setup-engine: building Pulumi v$VRLAB_PULUMI_VERSION from Go modules (first time only; ~15 min on 2 cores)" >&2
tmp="$VRLAB_ENGINE_DIR.tmp.$$"
rm -rf "$tmp" && mkdir -p "$tmp/bin"
trap 'rm -rf "$tmp"' EXIT
# -mod=readonly: the pins in go.sum are the truth; a build never edits them.
export GOFLAGS="-mod=readonly -trimpath"
(cd "$VRLAB_ROOT/tools/engine" && go build -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$VRLAB_PULUMI_VERSION" \
    -o "$tmp/bin/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi)
(cd "$VRLAB_ROOT/tools/langhost" && go build -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$VRLAB_LANGHOST_SDK_VERSION" \
    -o "$tmp/bin/pulumi-language-nodejs" github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs)
provider_plugin "$tmp/bin"
touch "$tmp/.built-$pins"
rm -rf "$VRLAB_ENGINE_DIR" && mv "$tmp" "$VRLAB_ENGINE_DIR"
trap - EXIT
"$VRLAB_ENGINE_DIR/bin/pulumi" version
