// Benchmark modules by kind, as PerfKit Benchmarker's loader keeps them: duplicates are refused and
// an unknown kind's error lists the known ones.
import { type BenchmarkModule } from "./types";

export class BenchmarkRegistry {
  readonly #modules = new Map<string, BenchmarkModule>();

  register<O>(module: BenchmarkModule<O>): this {
    if (this.#modules.has(module.kind)) throw new Error(`benchmark "${module.kind}" is registered twice`);
    this.#modules.set(module.kind, module as unknown as BenchmarkModule);
    return this;
  }

  get(kind: string): BenchmarkModule {
    const m = this.#modules.get(kind);
    if (!m) throw new Error(`no benchmark "${kind}"; this build has: ${this.kinds().join(", ")}`);
    return m;
  }

  kinds(): string[] {
    return [...this.#modules.keys()];
  }

  all(): BenchmarkModule[] {
    return [...this.#modules.values()];
  }
}
