// The BenchContext the benchmark modules get: run a script anywhere in the lab, or run a command in
// systems under test between markers that the timer timestamps.
import { arg, quote } from "../remote/shell";
import { run } from "../remote/run";
import { describeTarget, remoteError, tailOf } from "../remote/types";
import { runOn, withPreamble } from "./exec";
import { newRunId, parseVrmarkReport, timeRuns } from "./marker";
import { startCapture } from "./timer";
import { type BenchContext, type LabSpec, type RunOpts, type SystemSpec, type TimedRun } from "./types";

/**
 * True when `command` is plain words (single-quoted ones included): vrmark can then exec it itself,
 * so the timed window holds one exec instead of a shell's and the command's.
 */
export function isSimpleCommand(command: string): boolean {
  const unquoted = command.replace(/'[^']*'/g, "Q");
  return /^[A-Za-z0-9_./=:,+-]+( [A-Za-z0-9_./=:,+-]+)*$/.test(unquoted);
}

/** The script that runs `command` (trusted shell text, its values quoted) under vrmark in a system. */
export function timedScript(lab: LabSpec, command: string, runId: string): string {
  const simple = isSimpleCommand(command);
  return [
    "set -eu",
    `VRMARK=${arg("path", `${lab.toolsDir}/vrmark`)}`,
    `TIMER=${arg("ipv4", lab.timer.address)}`,
    `RUN=${arg("name", runId)}`,
    ...(simple ? [] : [`CMD=${quote(command)}`]),
    // The command may know its own run id (tests use it to forge markers).
    `export VRLAB_RUN_ID="$RUN"`,
    `exec "$VRMARK" "$TIMER" "$RUN" -- ${simple ? command : 'sh -c "$CMD"'}`,
    "",
  ].join("\n");
}

const NS_PER_S = 1e9;

export function makeContext(lab: LabSpec, progress: (line: string) => void): BenchContext {
  return {
    lab,
    run: (exec, script, opts) => runOn(exec, script, opts),
    progress,
    async timed(systems: SystemSpec[], command: string, opts: RunOpts): Promise<TimedRun[]> {
      const runs = systems.map((s) => ({ system: s, runId: newRunId() }));
      const capture = await startCapture(lab.timer, newRunId(), opts.timeoutMs / 1000 + 30);
      // Stop the capture also when a run could not start, so no tcpdump outlives the run.
      const settled = await Promise.allSettled(
        runs.map(({ system, runId }) =>
          run(
            system.exec.target,
            system.exec.credentials ?? {},
            withPreamble(system.exec, timedScript(lab, command, runId)),
            opts,
          ),
        ),
      );
      const markers = await capture.stop();
      const results = settled.map((r) => {
        if (r.status === "rejected") throw r.reason;
        return r.value;
      });
      const timings = timeRuns(
        markers,
        runs.map(({ system, runId }) => ({ runId, src: system.addresses[lab.timer.bridge] })),
      );
      return runs.map(({ system, runId }, i) => {
        const r = results[i];
        const host = `${system.name} (${describeTarget(system.exec.target)})`;
        if (r.code !== 0) throw remoteError(host, command, r.code, tailOf(r.stdout, r.stderr));
        const report = parseVrmarkReport(r.stderr, runId);
        if (!report)
          throw remoteError(host, command, r.code, tailOf(r.stdout, r.stderr), "vrmark did not report");
        const t = timings[i];
        if (!t.ok)
          throw remoteError(`timer ${lab.timer.name}`, command, 0, t.reason, "the external timing failed");
        return {
          runId,
          externalS: Number(t.externalNs) / NS_PER_S,
          inGuestS: Number(report.inGuestNs) / NS_PER_S,
          stdout: r.stdout,
          stderr: r.stderr,
        };
      });
    },
  };
}
