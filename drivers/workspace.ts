// The stack's run directory on the lab host (rendered configs, pid files, logs). It holds an OWNER
// file naming the stack; apply refuses a directory another stack owns, and delete removes it only
// while OWNER still names this stack, so a cleanup never touches another stack's directory.
import { arg } from "../remote/shell";
import { type Rendered } from "./linux";
import { script } from "./render";

export function workspaceScripts(p: { dir: string; owner: string }): Rendered {
  const vars = { DIR: arg("path", p.dir), OWNER: arg("owner", p.owner) };
  const owned = `owned() { [ -f "$DIR/OWNER" ] && [ "$(cat "$DIR/OWNER")" = "$OWNER" ]; }`;
  return {
    want: { owner: p.owner },
    scripts: {
      apply: script(
        vars,
        `${owned}
if [ -e "$DIR/OWNER" ] && ! owned; then
  echo "$DIR belongs to $(head -c 100 "$DIR/OWNER"), not $OWNER; refusing to take it over" >&2
  exit 1
fi
mkdir -p "$DIR"
chmod 750 "$DIR"
printf '%s\\n' "$OWNER" > "$DIR/OWNER"`,
      ),
      read: script(
        vars,
        `${owned}
# Gone, or no longer ours: refresh drops it from state and the next up makes it again.
if owned; then echo present=1; echo owner=$OWNER; else echo present=0; fi`,
      ),
      delete: script(vars, `${owned}\nif owned; then rm -rf -- "$DIR"; fi`),
    },
  };
}
