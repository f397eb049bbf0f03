#!/usr/bin/env bash
# All set-up on a fresh machine, idempotent: apt packages, npm modules, the engine, the benchmark
# tools, the state backend and the passphrase file. A second run only checks and returns.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$VRLAB_ROOT"
export DEBIAN_FRONTEND=noninteractive

# 1. Debian packages that are not installed yet.
mapfile -t wanted < <(grep -v '^\s*\(#\|$\)' scripts/apt-packages.txt)
missing=()
for p in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# 2. npm modules, reinstalled only when package-lock.json changes. The npm cache is outside the checkout.
lock_hash=$(sha256sum package-lock.json | cut -c1-16)
if [ "$(cat node_modules/.vrlab-lock 2>/dev/null)" != "$lock_hash" ]; then
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_hash" > node_modules/.vrlab-lock
fi

# 3. The engine, built from Go modules and cached by version.
scripts/setup-engine.sh

# 4. The C benchmark tools, built from source and cached by its hash.
scripts/build-tools.sh

# 5. State backend and passphrase: local files, no account, never a prompt.
mkdir -p "$VRLAB_STATE_DIR" "$PULUMI_HOME"
chmod 700 "$VRLAB_STATE_DIR"
if [ -n "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ] && [ ! -s "$PULUMI_CONFIG_PASSPHRASE_FILE" ]; then
  mkdir -p "$(dirname "$PULUMI_CONFIG_PASSPHRASE_FILE")"
  (umask 077 && head -c 32 /dev/urandom | base64 > "$PULUMI_CONFIG_PASSPHRASE_FILE")
  echo "setup: created passphrase file $PULUMI_CONFIG_PASSPHRASE_FILE (keep it: it decrypts your stacks' secrets)" >&2
fi
