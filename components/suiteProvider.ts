// The post-deploy stage as a dynamic resource: create and update run the harness (harness/main.ts)
// as a child process, relaying its progress lines; state keeps the summaries, the samples go to a
// file. The provider is serialized into state, so it holds only this small closure.
import type * as pulumi from "@pulumi/pulumi";
import { resolveCredentials, type ConfigHolder } from "../drivers/secrets";
import { type CredentialRefs } from "../drivers/types";

export interface SuiteState {
  /** What decides a re-run: the lab, the benchmarks, the tools, and the user's run trigger. */
  trigger: Record<string, unknown>;
  /** The harness's input (harness/main.ts SuiteInput), without credentials. */
  input: Record<string, unknown> & { samplesFile: string };
  /** Where each machine's SSH credentials are, by machine name: secrets' names, read when the harness runs. */
  auth?: Record<string, CredentialRefs>;
  /** The project's directory (where harness/main.ts is); not part of the trigger. */
  root: string;
  results?: Record<string, unknown>;
}

const holder: ConfigHolder = {};

export const suiteProvider: pulumi.dynamic.ResourceProvider<SuiteState, SuiteState> = {
  async configure(req) {
    holder.config = req.config;
  },
  async create(inputs) {
    const results = await runHarness(inputs);
    return { id: `suite:${String(inputs.input.runId)}`, outs: { ...inputs, results } };
  },
  async diff(_id, olds, news) {
    const changes = JSON.stringify(olds.trigger) !== JSON.stringify(news.trigger);
    return { changes };
  },
  async update(_id, olds, news) {
    const results = await runHarness(news);
    // The stack keeps one run: the one its outputs describe.
    if (olds.input.samplesFile !== news.input.samplesFile) {
      const fs = await import("node:fs");
      fs.rmSync(olds.input.samplesFile, { force: true });
    }
    return { outs: { ...news, results } };
  },
  async read(id, props) {
    // The run's record is its samples file: once it is gone, refresh drops the run and up redoes it.
    const fs = await import("node:fs");
    if (!props || !fs.existsSync(props.input.samplesFile)) return { id: "", props };
    return { id, props };
  },
  async delete(_id, props) {
    // Scratch files a run cut short (SIGKILL, a crash) left on the machines go with the stack too.
    await runHarness(props, "cleanup");
    const fs = await import("node:fs");
    const path = await import("node:path");
    fs.rmSync(props.input.samplesFile, { force: true });
    try {
      fs.rmdirSync(path.dirname(props.input.samplesFile)); // the stack's results directory, once empty
    } catch {
      // another run's samples are still there, or it is gone already
    }
  },
};

function runHarness(s: SuiteState, mode?: "cleanup"): Promise<Record<string, unknown>> {
  const credentials = Object.fromEntries(
    Object.entries(s.auth ?? {}).map(([m, refs]) => [m, resolveCredentials(refs, holder)]),
  );
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { spawn } = require("node:child_process") as typeof import("node:child_process");
  const path = require("node:path") as typeof import("node:path");
  /* eslint-enable @typescript-eslint/no-require-imports */
  // The same cached TypeScript loader as the program and the providers: no compiler at start-up.
  const register = path.join(s.root, "scripts", "register-ts.js");
  const child = spawn(process.execPath, ["-r", register, path.join(s.root, "harness", "main.ts")], {
    cwd: s.root,
    stdio: ["pipe", "pipe", "pipe"],
  });
  const out: Buffer[] = [];
  const err: string[] = [];
  child.stdout.on("data", (b: Buffer) => out.push(b));
  child.stderr.on("data", (b: Buffer) => {
    const text = b.toString("utf8");
    err.push(text);
    process.stderr.write(text); // the engine shows a provider's stderr as the resource's progress
  });
  // The values travel only through the child's stdin, never its argv or environment.
  child.stdin.end(JSON.stringify({ ...s.input, credentials, mode }));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => {
      const tail = err.join("").trimEnd().split("\n").slice(-20).join("\n");
      if (code !== 0)
        return reject(new Error(`the benchmark suite exited ${code}\n--- output tail ---\n${tail}`));
      try {
        resolve(JSON.parse(Buffer.concat(out).toString("utf8")) as Record<string, unknown>);
      } catch {
        reject(new Error(`the benchmark suite printed no results\n--- output tail ---\n${tail}`));
      }
    });
  });
}
