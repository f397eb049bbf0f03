// The experiment's benchmarks, in the paper's order. Adding one is a module and a line here.
import { bonnie } from "./bonnie";
import { fairness } from "./fairness";
import { forwarding } from "./forwarding";
import { iperfUdp } from "./iperf-udp";
import { masr } from "./masr";
import { BenchmarkRegistry } from "./registry";
import { superpi } from "./superpi";
import { zfg } from "./zfg";

export const benchmarks = new BenchmarkRegistry()
  .register(superpi)
  .register(masr)
  .register(bonnie)
  .register(zfg)
  .register(iperfUdp)
  .register(fairness)
  .register(forwarding);
