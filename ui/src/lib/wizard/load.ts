// What the wizard asks for when its window opens: the plan (the 16 steps) and the earlier run on
// this computer, so that the pages show with both.
import type { Backend } from "../backend/types";
import { toErrorInfo } from "../errors";
import { fail, type Parts } from "./parts";

/** How long the pages wait for the earlier run before they show without it. */
const STATUS_WAIT_MS = 3000;

/**
 * The plan and the earlier run are asked for together, and the pages show only once both are in
 * (in the same update), so Welcome's section about the earlier run, the header's countdown and the
 * step list's marks never push a button the user is about to click. Should the earlier run take
 * longer than STATUS_WAIT_MS (a slow keychain), the pages show without it and `late` is called; it
 * then shows where it moves nothing.
 */
export async function loadPlan(backend: Backend, parts: Parts, late: () => void): Promise<void> {
  const { progress, outcome, trouble } = parts;
  const status = backend.status().then(
    (earlier) => earlier,
    (err) => {
      // Not fatal: a new run works without it, and tells the user if the keychain is the problem.
      trouble.note(`no earlier run: ${toErrorInfo(err).code}`);
      return null;
    },
  );
  const timeout = Symbol("timeout");
  let plan;
  try {
    plan = await backend.plan();
  } catch (err) {
    fail(parts, toErrorInfo(err), null);
    return;
  }
  let earlier = await Promise.race([status, new Promise<typeof timeout>((r) => setTimeout(() => r(timeout), STATUS_WAIT_MS))]);
  if (earlier === timeout) {
    late();
    progress.load(plan);
    earlier = await status;
  } else {
    progress.load(plan);
  }
  if (!earlier) return;
  outcome.resume(earlier);
  // What the earlier session got done, as the core reads its journal.
  for (const step of earlier.doneSteps) {
    progress.mark(step, { state: "done", note: "Done in an earlier session", until: null });
  }
}
