// The error a promise rejects with, for tests that assert on a runner's failures.
import { type RemoteError } from "../../remote/types";

export async function rejection(p: Promise<unknown>): Promise<RemoteError> {
  try {
    await p;
  } catch (e) {
    return e as RemoteError;
  }
  throw new Error("expected a rejection");
}
