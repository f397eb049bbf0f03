// `scripts/vrlab pulumi ARGS...` looks at ARGS before the CLI does: which stack they name, whether
// they remove a stack (and its experiment file with it), and whether their verbosity would make the
// engine log secrets. Arguments are read the way the CLI's flag parser (pflag) reads them.
//
// Usage: cli/pulumiArgs.ts ARGS...; prints `<mode> <run-program> <stack>` (see stackMode and
// wantsRunProgram) or exits 2 with the reason it refuses. Needs VRLAB_MAX_VERBOSITY_UNSAFE.

/** Global flags that take a value (`pulumi --help`), so that their value is not a command word. */
const VALUE_FLAGS = new Set([
  "stack",
  "verbose",
  "cwd",
  "color",
  "memprofilerate",
  "otel-traces",
  "profiling",
  "tracing",
]);
const VALUE_SHORT: Record<string, string> = { s: "stack", v: "verbose", C: "cwd" };

export interface PulumiArgs {
  /** The value of the last `--stack`/`-s`, if any. */
  stack?: string;
  /** Every value given to `--verbose`/`-v`. */
  verbosity: string[];
  logflow: boolean;
  preserveConfig: boolean;
  /** `--run-program`'s value, when given. */
  runProgram?: boolean;
  /** The first two positional words: the command (`stack rm`, `preview`, ...). */
  command: string[];
}

/**
 * Reads argv as pflag does: `--name value`, `--name=value`, `-s value`, `-svalue`, `-s=value`, and
 * clusters of one-letter flags (`-yv9` is `-y -v 9`). A letter we do not know is taken for a boolean,
 * so a `-v` hidden in a cluster is never missed. Parsing stops at `--`.
 */
export function scanPulumiArgs(argv: string[]): PulumiArgs {
  const out: PulumiArgs = {
    verbosity: [],
    logflow: false,
    preserveConfig: false,
    command: [],
  };
  const yes = (value: string | undefined): boolean => value === undefined || /^(1|t|true)$/i.test(value);
  const set = (flag: string, value: string): void => {
    if (flag === "stack") out.stack = value;
    else if (flag === "verbose") out.verbosity.push(value);
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--") break;
    if (a.startsWith("--")) {
      const eq = a.indexOf("=");
      const name = a.slice(2, eq < 0 ? undefined : eq);
      const value = eq < 0 ? undefined : a.slice(eq + 1);
      if (name === "logflow") out.logflow = yes(value);
      else if (name === "preserve-config") out.preserveConfig = yes(value);
      else if (name === "run-program") out.runProgram = yes(value);
      else if (VALUE_FLAGS.has(name)) set(name, value ?? argv[++i] ?? "");
    } else if (a.startsWith("-") && a.length > 1) {
      for (let j = 1; j < a.length; j++) {
        const flag = VALUE_SHORT[a[j]];
        if (!flag) continue; // a boolean, e.g. -y, -f, -r
        const rest = a.slice(j + 1);
        set(flag, rest === "" ? (argv[++i] ?? "") : rest.replace(/^=/, ""));
        break;
      }
    } else if (out.command.length < 2) out.command.push(a);
  }
  return out;
}

/**
 * An integer as Go's strconv.ParseInt(s, 0, 64) reads pflag's int flags (`0x10`, `0o7`, `0b1`, `07`,
 * `1_0`), or undefined. Lenient about underscores: a value Go rejects never reaches the engine anyway.
 */
export function goInt(s: string): number | undefined {
  const m = /^([+-]?)(0[xX]|0[oO]|0[bB]|0(?=\d))?([0-9a-fA-F]+)$/.exec(s.replace(/_/g, ""));
  if (!m) return undefined;
  const prefix = (m[2] ?? "").toLowerCase();
  const base = prefix === "0x" ? 16 : prefix === "0b" ? 2 : prefix === "" ? 10 : 8;
  const digits = { 2: /^[01]+$/, 8: /^[0-7]+$/, 10: /^\d+$/, 16: /^[0-9a-f]+$/i }[base];
  if (!digits.test(m[3])) return undefined;
  const n = parseInt(m[3], base);
  return m[1] === "-" ? -n : n;
}

/**
 * Why these arguments are refused, or undefined. (scripts/vrlab refuses PULUMI_OPTION_VERBOSE itself,
 * for every verb.)
 */
export function refusal(a: PulumiArgs, unsafe: number): string | undefined {
  const high = a.verbosity.find((v) => (goInt(v) ?? 0) >= unsafe);
  if (high !== undefined) {
    return (
      `verbosity ${high} is refused: from level ${unsafe} up the engine logs provider requests, which ` +
      `carry secrets (SSH keys), in plain text to stderr and to a world-readable pulumi.*.log file in ` +
      `$TMPDIR${a.logflow ? " (and --logflow makes the plugins log them too)" : ""}. Use -v ${unsafe - 1} or less.`
    );
  }
  const [w1, w2] = a.command;
  if (w1 === "stack" && (w2 === "rm" || w2 === "remove") && !a.preserveConfig) {
    return (
      "`pulumi stack rm` deletes the experiment file stacks/Pulumi.<stack>.yaml and leaves the " +
      "stack's backups behind. Use scripts/vrlab rm STACK (keeps the file, removes backups, history " +
      "and results), or pass --preserve-config."
    );
  }
  return undefined;
}

/**
 * What scripts/vrlab does with the stack before running the CLI: `ensure` creates it when its file
 * exists, `check` only refuses an unknown one (the command creates or removes stacks itself).
 */
export function stackMode(a: PulumiArgs): "none" | "ensure" | "check" {
  if (a.stack === undefined) return "none";
  const [w1, w2] = a.command;
  return w1 === "stack" && ["init", "new", "rm", "remove", "rename"].includes(w2 ?? "") ? "check" : "ensure";
}

/**
 * Whether scripts/vrlab adds `--run-program` (when the stack has its file): `refresh` and `destroy`
 * then hand the providers the stack's current config, a rotated key included (drivers/secrets.ts),
 * not the one recorded at the last `up`.
 */
export function wantsRunProgram(a: PulumiArgs): boolean {
  return a.runProgram === undefined && (a.command[0] === "refresh" || a.command[0] === "destroy");
}

function main(argv: string[]): number {
  const unsafe = Number(process.env.VRLAB_MAX_VERBOSITY_UNSAFE);
  if (!Number.isInteger(unsafe)) throw new Error("VRLAB_MAX_VERBOSITY_UNSAFE is not set");
  const a = scanPulumiArgs(argv);
  const why = refusal(a, unsafe);
  if (why) {
    process.stderr.write(`vrlab pulumi: ${why}\n`);
    return 2;
  }
  process.stdout.write(`${stackMode(a)} ${wantsRunProgram(a) ? 1 : 0} ${a.stack ?? ""}\n`);
  return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
