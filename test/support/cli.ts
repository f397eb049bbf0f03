// Runs the real Pulumi CLI for engine tests, against a throwaway file backend of their own.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export class PulumiCli {
  readonly backendDir: string;
  readonly env: NodeJS.ProcessEnv;

  constructor(
    readonly projectDir: string,
    readonly stack: string,
  ) {
    this.backendDir = fs.mkdtempSync(path.join(os.tmpdir(), "vrlab-backend-"));
    this.env = {
      ...process.env,
      PULUMI_BACKEND_URL: `file://${this.backendDir}`,
      PULUMI_CONFIG_PASSPHRASE: `test-${process.pid}-${Date.now()}`,
      PULUMI_CONFIG_PASSPHRASE_FILE: "",
    };
  }

  /**
   * Runs `pulumi <args> --stack <stack>` non-interactively; never throws, so tests can assert on
   * failures. Commands that take no stack (version, plugin) go through `global`.
   */
  run(args: string[], timeoutMs = 300_000, input?: string): CliResult {
    return this.global([...args, "--non-interactive", "--stack", this.stack], timeoutMs, input);
  }

  /** `input` goes to the CLI's stdin (e.g. a secret for `config set`, never on the command line). */
  global(args: string[], timeoutMs = 300_000, input?: string): CliResult {
    const r = spawnSync("pulumi", args, {
      cwd: this.projectDir,
      env: this.env,
      encoding: "utf8",
      timeout: timeoutMs,
      // A preview's JSON of a whole lab, each dynamic resource with its serialized provider, passes 1 MB.
      maxBuffer: 256 * 2 ** 20,
      input,
      stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    });
    return { code: r.status ?? -1, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
  }

  /** `vrlab show STACK ARGS` as scripts/vrlab runs it (cli/show.ts through the transpile cache), on this backend. */
  show(...args: string[]): CliResult {
    const r = spawnSync(
      process.execPath,
      ["-r", path.join(this.projectDir, "scripts", "register-ts.js"), "cli/show.ts", this.stack, ...args],
      {
        cwd: this.projectDir,
        env: this.env,
        encoding: "utf8",
        timeout: 180_000,
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    return { code: r.status ?? -1, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
  }

  /** Like run, but throws with the command's output when it fails. */
  ok(args: string[], timeoutMs?: number): CliResult {
    return this.check(args, this.run(args, timeoutMs));
  }

  check(args: string[], r: CliResult): CliResult {
    if (r.code !== 0) {
      throw new Error(`pulumi ${args.join(" ")} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
    }
    return r;
  }

  /** The environment of `scripts/vrlab` on this CLI's backend (env.sh derives the backend from it). */
  get vrlabEnv(): NodeJS.ProcessEnv {
    return { ...this.env, VRLAB_STATE_DIR: this.backendDir };
  }

  /** Runs `scripts/vrlab <args>` from the project on the throwaway backend; never throws. */
  vrlab(args: string[], timeoutMs = 600_000, env: NodeJS.ProcessEnv = {}): CliResult {
    const r = spawnSync(path.join(this.projectDir, "scripts", "vrlab"), args, {
      cwd: this.projectDir,
      env: { ...this.vrlabEnv, ...env },
      encoding: "utf8",
      timeout: timeoutMs,
      maxBuffer: 256 * 2 ** 20,
      stdio: ["ignore", "pipe", "pipe"],
    });
    return { code: r.status ?? -1, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
  }

  /** The backend's state files, as one string, for leak checks. */
  stateText(): string {
    const out: string[] = [];
    const walk = (d: string): void => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const p = path.join(d, e.name);
        if (e.isDirectory()) walk(p);
        else out.push(fs.readFileSync(p, "utf8"));
      }
    };
    walk(this.backendDir);
    return out.join("\n");
  }

  dispose(): void {
    fs.rmSync(this.backendDir, { recursive: true, force: true });
  }
}
