// Hypervisor drivers by kind. Adding a hypervisor is one driver file and one line in drivers/index.ts.
import { type HypervisorDriver } from "./types";

export class DriverRegistry {
  readonly #drivers = new Map<string, HypervisorDriver>();

  register(driver: HypervisorDriver): this {
    if (this.#drivers.has(driver.kind))
      throw new Error(`hypervisor driver "${driver.kind}" is registered twice`);
    this.#drivers.set(driver.kind, driver);
    return this;
  }

  has(kind: string): boolean {
    return this.#drivers.has(kind);
  }

  get(kind: string): HypervisorDriver {
    const d = this.#drivers.get(kind);
    if (!d) {
      const known = [...this.#drivers.keys()].sort().join(", ");
      throw new Error(`no driver for hypervisor "${kind}"; this build supports: ${known}`);
    }
    return d;
  }

  kinds(): string[] {
    return [...this.#drivers.keys()].sort();
  }
}
