// A stack of its own for one engine test: a stack file under stacks/ (the CLI reads stack config
// there), a throwaway backend, and a throwaway run root, all removed again by dispose().
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseDocument } from "yaml";
import { kernelName } from "../../config/names";
import { PulumiCli } from "./cli";

export const repo = path.resolve(__dirname, "../..");

/**
 * The embedded experiment's stack file, without any machine's encryptionsalt. Its benchmark plan is
 * replaced by `benchmarks` (none by default: only the suite's own tests pay for running it).
 * `checkout`: another version's (a git worktree), whose own experiment it then is.
 */
export function embeddedStackText(benchmarks: unknown[] = [], checkout = repo): string {
  const doc = parseDocument(
    fs
      .readFileSync(path.join(checkout, "stacks", "Pulumi.embedded.yaml"), "utf8")
      .replace(/^encryptionsalt:.*$/m, ""),
  );
  doc.setIn(["config", "vrlab:experiment", "benchmarks"], benchmarks);
  return doc.toString();
}

export class TestStack {
  readonly owner: string;
  readonly file: string;
  readonly runRoot: string;
  readonly cli: PulumiCli;

  /** Writes `text` as the stack's file, then `stack init` and `config set vrlab:runRoot`. */
  constructor(
    readonly name: string,
    text = embeddedStackText(),
    timeoutMs?: number,
  ) {
    this.owner = `vrlab-${name}`;
    this.file = path.join(repo, "stacks", `Pulumi.${name}.yaml`);
    this.runRoot = fs.mkdtempSync(path.join(os.tmpdir(), "vrlab-run-"));
    fs.writeFileSync(this.file, text);
    this.cli = new PulumiCli(repo, name);
    this.cli.ok(["stack", "init"], timeoutMs);
    this.cli.ok(["config", "set", "vrlab:runRoot", this.runRoot], timeoutMs);
  }

  /** `v<tag>-<name>` (config/names.ts): what one of the stack's objects is called in the kernel. */
  kernel(name: string): string {
    return kernelName(this.owner, name);
  }

  /** Destroys whatever is left, then removes the stack, its file and its directories. Never throws. */
  dispose(timeoutMs?: number): void {
    this.cli.run(["destroy", "--yes"], timeoutMs);
    this.cli.run(["stack", "rm", "--yes", "--force"], timeoutMs);
    fs.rmSync(this.file, { force: true }); // if the CLI never got to it
    this.cli.dispose();
    fs.rmSync(this.runRoot, { recursive: true, force: true });
  }
}
