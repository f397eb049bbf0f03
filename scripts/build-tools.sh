#!/usr/bin/env bash
# Compiles vrlab's C tools (benchmarks/native/*.c, harness/native/*.c) into
# $VRLAB_CACHE/tools/<hash>/bin, one binary per file, named after it. The hash covers the sources
# and this script, so an edit builds a new directory and the old one stays valid for whoever
# still uses it. $VRLAB_CACHE/tools/current points at the newest; env.sh exports its bin as
# VRLAB_TOOLS_DIR. A second run only checks that the directory is there.
# Libraries come from a `// link: -lfoo -lbar` line in the C file; none without one.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$VRLAB_ROOT"

shopt -s nullglob
sources=(benchmarks/native/*.c harness/native/*.c)
if [ "${#sources[@]}" -eq 0 ]; then
  echo "build-tools: no C sources in benchmarks/native or harness/native" >&2
  exit 1
fi
# Names as well as contents: a renamed file is a different tool.
hash=$(for f in "${sources[@]}" scripts/build-tools.sh; do printf '%s\n' "$f"; cat "$f"; done |
  sha256sum | cut -c1-16)
tools="$VRLAB_CACHE/tools"
dir="$tools/$hash"

# Points `current` at $dir in one rename, so a reader never sees it missing or half-changed.
point_current() {
  [ "$(readlink "$tools/current" 2>/dev/null)" = "$hash" ] && return 0
  ln -sfn "$hash" "$tools/current.tmp.$$"
  mv -Tf "$tools/current.tmp.$$" "$tools/current"
}

if [ -d "$dir/bin" ]; then
  point_current
  exit 0
fi

mkdir -p "$tools"
tmp=$(mktemp -d "$tools/.build-$hash.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp" # mktemp's 0700 would hide the tools from other users
mkdir "$tmp/bin"
built=()
for f in "${sources[@]}"; do
  name=$(basename "$f" .c)
  if [ -e "$tmp/bin/$name" ]; then
    echo "build-tools: two sources make $name; rename one of them" >&2
    exit 1
  fi
  libs=$(sed -n 's|^// link:||p' "$f" | head -n 1)
  for l in $libs; do
    # Only -l flags: the line selects libraries, it is not a place for arbitrary compiler options.
    if [[ ! "$l" =~ ^-l[A-Za-z0-9_+.-]+$ ]]; then
      echo "build-tools: $f: '$l' in its link line is not a -l flag" >&2
      exit 1
    fi
  done
  # shellcheck disable=SC2086 # $libs is a list of validated -l flags
  gcc -O2 -Wall -Wextra -Werror -o "$tmp/bin/$name" "$f" $libs
  built+=("$name")
done

# A concurrent run may have finished first: its directory is identical, keep it.
if ! mv -T "$tmp" "$dir" 2>/dev/null; then
  [ -d "$dir/bin" ] || { echo "build-tools: cannot move the build to $dir" >&2; exit 1; }
fi
point_current
echo "build-tools: built ${built[*]} in $dir/bin" >&2

# Builds of older sources go once they are a day old: a suite that started with one has finished.
find "$tools" -mindepth 1 -maxdepth 1 -type d -name '[0-9a-f]*' ! -name "$hash" -mtime +1 -exec rm -rf -- {} +
