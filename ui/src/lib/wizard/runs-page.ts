// The Runs page's actions: list every run on this computer, go on with one, delete its app
// registration (signing in to its tenant first) or forget it here, and its values and receipt.
// What the page shows is the Runs part (state/runs.svelte.ts).
import type { CleanupReport } from "../bindings/CleanupReport";
import type { Copied } from "../bindings/Copied";
import type { RunStatus } from "../bindings/RunStatus";
import type { StartOptions } from "../bindings/StartOptions";
import type { Backend } from "../backend/types";
import { toErrorInfo } from "../errors";
import { RUNS, WELCOME } from "../state/progress.svelte";
import type { Flow } from "./flow.svelte";
import type { Parts } from "./parts";

export class RunsPage {
  private readonly backend: Backend;
  private readonly parts: Parts;
  /** Continue starts the flow's sign-in. */
  private readonly flow: Flow;

  constructor(backend: Backend, parts: Parts, flow: Flow) {
    this.backend = backend;
    this.parts = parts;
    this.flow = flow;
  }

  async open(): Promise<void> {
    const { progress, runs } = this.parts;
    if (progress.current !== RUNS) runs.from = progress.current;
    progress.show(RUNS);
    await this.load();
  }

  /** Back to the page the Runs page was opened from. */
  close(): void {
    this.parts.progress.show(this.parts.runs.from ?? WELCOME);
  }

  async load(): Promise<void> {
    const { runs, trouble } = this.parts;
    runs.loading = true;
    try {
      runs.list = await this.backend.runs();
      runs.error = null;
    } catch (err) {
      runs.error = toErrorInfo(err);
      trouble.note(`runs failed code=${runs.error.code}`);
    } finally {
      runs.loading = false;
    }
  }

  /**
   * Goes on with a run that stopped: the wizard's own sign-in, pinned to the run's tenant (and
   * cloud); the engine finds the run's record and picks up where it stopped.
   */
  async continueRun(run: RunStatus): Promise<void> {
    const { settings, outcome, trouble } = this.parts;
    trouble.note(`continue run tenant=${run.journal.tenantId}`);
    const signedIn = [...run.journal.activity].reverse().find((a) => a.kind === "signedIn");
    if (signedIn?.kind === "signedIn") settings.cloud = signedIn.cloud;
    settings.tenant = run.journal.tenantId;
    outcome.reset();
    outcome.resume(run);
    await this.flow.start(false);
  }

  /** The sign-in options of a deletion: the user's method and sign-in app (the shell sets tenant and cloud). */
  private deletionOptions(): StartOptions {
    const { settings } = this.parts;
    const clientId = settings.clientId.trim();
    return {
      practice: false,
      cloud: settings.cloud,
      method: settings.deviceCode ? "deviceCode" : "browser",
      stepByStep: false,
      ...(clientId ? { clientId } : {}),
    };
  }

  /**
   * Deletes a run's app registration (after the page asked), signing in to the run's tenant.
   * Returns what was deleted, or null when it failed (why is in `runs.work`).
   */
  async deleteRun(run: RunStatus, purge: boolean): Promise<CleanupReport | null> {
    const { runs, outcome, trouble } = this.parts;
    const id = run.journal.runId;
    runs.work[id] = { phase: "signingIn", error: null };
    runs.signIn.clear();
    runs.signingIn = id;
    trouble.note(`delete run tenant=${run.journal.tenantId} purge=${purge}`);
    try {
      const report = await this.backend.deleteRun(run.journal.tenantId, id, purge, this.deletionOptions(), (e) => {
        if (runs.signIn.take(e)) return;
        if (e.type === "started" && e.step === "cleanup") {
          runs.signingIn = null;
          runs.work[id] = { phase: "deleting", error: null };
        } else if (e.type === "retrying") {
          trouble.noteRetry(e);
        }
      });
      runs.work[id] = { phase: "deleted", error: null };
      if (outcome.isAbout(run)) {
        outcome.cleanedUp = true;
        outcome.secret = null;
        outcome.deadline = null;
      }
      return report;
    } catch (err) {
      const info = toErrorInfo(err);
      runs.work[id] = { phase: "failed", error: info };
      trouble.note(`delete run failed code=${info.code} request-id=${info.requestId ?? "-"}`);
      return null;
    } finally {
      runs.signingIn = null;
      runs.signIn.clear();
      await this.load();
    }
  }

  /** Deletes the app registration of every run past its deadline, one tenant after another. */
  async deleteExpired(purge: boolean): Promise<void> {
    const { runs } = this.parts;
    for (const run of [...runs.expired]) {
      const deleted = await this.deleteRun(run, purge);
      // Cancelling a sign-in stops the round; any other failure is shown on its run.
      if (!deleted && runs.workOf(run)?.error?.code === "signInCancelled") break;
    }
  }

  /** Gives up on a deletion's sign-in that waits for the browser. */
  async cancelSignIn(): Promise<void> {
    await this.backend.cancelSignIn();
  }

  /** Forgets a run on this computer (its record and secret); its app registration stays. */
  async forgetRun(run: RunStatus): Promise<void> {
    const { outcome, runs, trouble, announcer } = this.parts;
    await this.backend.forgetRun(run.journal.tenantId, run.journal.runId);
    trouble.note(`forgot run tenant=${run.journal.tenantId}`);
    if (outcome.isAbout(run)) {
      // The values stay true; the secret is gone from this computer.
      outcome.secret = null;
      outcome.earlier = null;
    }
    delete runs.work[run.journal.runId];
    announcer.say(`Forgot the run for ${run.tenantLabel} on this computer.`);
    await this.load();
  }

  /** A run's secret, for the user who asked to see it. */
  revealSecret(run: RunStatus): Promise<string> {
    return this.backend.revealRunSecret(run.journal.tenantId, run.journal.runId);
  }

  /** Copies a run's secret for a while: alone, or with its three IDs as a labelled block. */
  copySecret(run: RunStatus, withIds: boolean): Promise<Copied> {
    return this.backend.copyRunSecret(run.journal.tenantId, run.journal.runId, withIds);
  }

  /** Saves a run's receipt where the user picks; the HTML file's path, or null when cancelled. */
  saveReceipt(run: RunStatus): Promise<string | null> {
    return this.backend.saveRunReceipt(run.journal.tenantId, run.journal.runId);
  }
}
