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
# Launchers beside the CLI, rewritten whenever their text changes (cheap; every verb runs set-up):
# - pulumi-resource-pulumi-nodejs, the dynamic-provider plugin, where the engine looks for its bundled
#   plugins (found anywhere else on PATH, it warns on every run). It runs the project's own
#   @pulumi/pulumi, as the npm package's script does (the engine starts plugins in the project's dir).
# - pulumi-language-nodejs, the language host's wrapper. The v3.68 host reads Pulumi.yaml's runtime
#   options only as flags, which today's engine no longer passes (it sends them over RPC), so the
#   wrapper passes `typescript`; the real binary is in libexec/.
# Both preload lazy-sdk.js into Node (see that file).
install_text() { # FILE MODE: stdin to FILE, atomically, unless FILE already holds it
  local tmp="$1.$$"
  cat > "$tmp"
  if cmp -s "$tmp" "$1"; then rm -f "$tmp"; else chmod "$2" "$tmp" && mv -f "$tmp" "$1"; fi
}
is_elf() { [ "$(head -c 4 "$1" 2>/dev/null | od -An -tx1 | tr -d ' ')" = 7f454c46 ]; }
launchers() {
  local dir="$1" lazy="$1/../libexec/lazy-sdk.js"
  mkdir -p "$dir/../libexec"
  # An engine built before the wrapper has the real host in bin/ (a set-up running at the same time
  # may move it first).
  if is_elf "$dir/pulumi-language-nodejs"; then
    mv -f "$dir/pulumi-language-nodejs" "$dir/../libexec/pulumi-language-nodejs" 2>/dev/null || true
  fi
  if [ ! -x "$dir/../libexec/pulumi-language-nodejs" ]; then
    echo "setup-engine: no language host in $dir/../libexec" >&2
    return 1
  fi
  install_text "$lazy" 644 < "$VRLAB_ROOT/scripts/lazy-sdk.js"
  install_text "$dir/pulumi-resource-pulumi-nodejs" 755 <<'EOF'
#!/bin/sh
here=$(dirname "$0")
# The project's own, found without starting a Node just for require.resolve (~40 ms) when it can be.
provider="$PWD/node_modules/@pulumi/pulumi/cmd/dynamic-provider/index.js"
[ -f "$provider" ] || provider=$(node -p "require.resolve('@pulumi/pulumi/cmd/dynamic-provider')")
exec node --require "$here/../libexec/lazy-sdk.js" "$provider" "$@"
EOF
  install_text "$dir/pulumi-language-nodejs" 755 <<'EOF'
#!/bin/sh
# Started in the project's directory. Of Pulumi.yaml's runtime options only `typescript: false` is
# honoured; `tsconfig` and `nodeargs` are not passed.
here=$(dirname "$0")
ts=true
grep -Eq '^[[:space:]]+typescript:[[:space:]]*false([[:space:]]|$)' Pulumi.yaml 2>/dev/null && ts=false
exec "$here/../libexec/pulumi-language-nodejs" -typescript="$ts" -nodeargs="--require '$here/../libexec/lazy-sdk.js'" "$@"
EOF
}

if [ -f "$stamp" ] && [ -x "$VRLAB_ENGINE_DIR/bin/pulumi" ] && { [ -x "$VRLAB_ENGINE_DIR/libexec/pulumi-language-nodejs" ] || is_elf "$VRLAB_ENGINE_DIR/bin/pulumi-language-nodejs"; }; then
  launchers "$VRLAB_ENGINE_DIR/bin"
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
launchers "$tmp/bin"
touch "$tmp/.built-$pins"
rm -rf "$VRLAB_ENGINE_DIR" && mv "$tmp" "$VRLAB_ENGINE_DIR"
trap - EXIT
"$VRLAB_ENGINE_DIR/bin/pulumi" version
