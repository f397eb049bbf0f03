// The `results` stack output as the report reads it: the types of harness/results.ts, which the
// suite writes and harness/results.schema.json publishes; plus what the report adds.

export {
  NATIVE,
  type BenchmarkResult,
  type Provenance,
  type Results,
  type Substrate,
  type Summary,
} from "../harness/results";
import { type Results } from "../harness/results";

/** One stack's results, named as the user named it (a stack, or a --from file's base name). */
export interface StackResults {
  stack: string;
  results: Results;
}
