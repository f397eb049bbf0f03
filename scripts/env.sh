# shellcheck shell=bash
# Sourced by every vrlab entry point: where the engine, its plugins and the stack state live.
# Everything cached sits outside the checkout so a clean clone reuses it.

VRLAB_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export VRLAB_ROOT
export VRLAB_CACHE="${VRLAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vrlab}"
# Stack state: Pulumi's local file backend. Override with VRLAB_STATE_DIR for a separate lab.
export VRLAB_STATE_DIR="${VRLAB_STATE_DIR:-${XDG_STATE_HOME:-$HOME/.local/state}/vrlab}"

# Engine pins. The CLI's version must equal the @pulumi/pulumi in package-lock.json
# (scripts/setup-engine.sh checks it).
export VRLAB_PULUMI_VERSION="3.248.0"
export VRLAB_LANGHOST_SDK_VERSION="3.68.0"
export VRLAB_ENGINE_DIR="$VRLAB_CACHE/engine/pulumi-v$VRLAB_PULUMI_VERSION-langhost-v$VRLAB_LANGHOST_SDK_VERSION"
# The compiled benchmark tools (superpi, masr, vrmark): scripts/build-tools.sh points `current`
# at the build of the present sources.
export VRLAB_TOOLS_DIR="$VRLAB_CACHE/tools/current/bin"

# The engine is ours alone: its own home, no update checks, no plugin downloads, no prompts.
export PULUMI_HOME="$VRLAB_CACHE/pulumi-home"
export PULUMI_BACKEND_URL="file://$VRLAB_STATE_DIR"
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
export PULUMI_SKIP_CONFIRMATIONS=true
export PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK=false
export PULUMI_DIY_BACKEND_NO_LEGACY_WARNING=true
# The passphrase secrets provider reads this file unless PULUMI_CONFIG_PASSPHRASE is set;
# scripts/setup.sh creates it (0600) once, apart from the state it protects.
if [ -z "${PULUMI_CONFIG_PASSPHRASE:-}" ]; then
  export PULUMI_CONFIG_PASSPHRASE_FILE="${PULUMI_CONFIG_PASSPHRASE_FILE:-${XDG_CONFIG_HOME:-$HOME/.config}/vrlab/passphrase}"
fi

# Locally built CLI and language host first; then the dynamic-provider plugin shipped in @pulumi/pulumi.
export PATH="$VRLAB_ENGINE_DIR/bin:$VRLAB_ROOT/node_modules/@pulumi/pulumi:$VRLAB_ROOT/node_modules/.bin:$PATH"
