import type { CleanupReport } from "../bindings/CleanupReport";
import type { Credentials } from "../bindings/Credentials";
import type { Event } from "../bindings/Event";
import type { Copied } from "../bindings/Copied";
import type { Diagnostics } from "../bindings/Diagnostics";
import type { PlanInfo } from "../bindings/PlanInfo";
import type { Precheck } from "../bindings/Precheck";
import type { RunChoice } from "../bindings/RunChoice";
import type { RunStatus } from "../bindings/RunStatus";
import type { StartOptions } from "../bindings/StartOptions";

export type EventHandler = (event: Event) => void;

/**
 * Everything the UI asks of the desktop shell. Pages receive a Backend and never import
 * @tauri-apps/* themselves, so tests hand them a fake. Failures reject with an `ErrorInfo`.
 */
export interface Backend {
  plan(): Promise<PlanInfo>;
  /** An earlier run found on this computer (journal + keychain), for resuming after a restart. */
  status(): Promise<RunStatus | null>;
  /** Step 1: sign in, then read the tenant, the roles and existing apps. */
  signIn(options: StartOptions, onEvent: EventHandler): Promise<Precheck>;
  /** Gives up on a sign-in that is waiting for the browser; `signIn` then rejects. */
  cancelSignIn(): Promise<void>;
  /** Steps 2–16 and the proof that the secret works. */
  run(choice: RunChoice, onEvent: EventHandler): Promise<Credentials>;
  /**
   * "Stop and continue later": stops the run where it waits. Everything done so far is kept on this
   * computer; `run` then rejects with code `interrupted`, and the next run of this tenant (after a
   * sign-in) continues where it stopped.
   */
  stopRun(): Promise<void>;
  /** Step-by-step mode: let the engine start its next step. */
  proceed(): Promise<void>;
  /** The secret's value, for the user who asked to see it. */
  revealSecret(): Promise<string>;
  /**
   * Puts the secret on the clipboard — alone, or with the three IDs as a labelled block — and clears
   * the clipboard again after `clearAfterSeconds` if it still holds it.
   */
  copySecret(withIds: boolean): Promise<Copied>;
  /** Copies text that is not secret (the IDs, a diagnostics report). */
  copyText(text: string): Promise<void>;
  openUrl(url: string): Promise<void>;
  cleanup(purge: boolean, onEvent: EventHandler): Promise<CleanupReport>;
  forgetSecrets(): Promise<void>;
  signOut(): Promise<void>;
  /** The app's side of a diagnostics report: version, OS, the log's last lines (redacted). */
  diagnostics(): Promise<Diagnostics>;
  /** Opens the folder with the app's log files in the system's file manager. */
  openLogFolder(): Promise<void>;
  /**
   * Saves the run's receipt for the change ticket where the user picks in the save dialog (an HTML
   * page, and the same content as JSON beside it). Resolves to the HTML file's path, or null when
   * the user cancelled.
   */
  saveReceipt(): Promise<string | null>;
  /** Saves the deadline as a calendar file (.ics, a reminder 12 hours before); the path, or null. */
  saveCalendar(): Promise<string | null>;

  // --- the Runs page: a run is named by its tenant ID and run ID --------------------------------
  /** Every run on this computer, cleaned-up ones too, newest first (practice runs are not kept). */
  runs(): Promise<RunStatus[]>;
  /** A run's secret, for the user who asked to see it (while it is in the keychain). */
  revealRunSecret(tenantId: string, runId: string): Promise<string>;
  /** Copies a run's secret (alone, or with its three IDs as a labelled block) for a while. */
  copyRunSecret(tenantId: string, runId: string, withIds: boolean): Promise<Copied>;
  /** Drops a run's record and its secret from this computer; the app registration stays. */
  forgetRun(tenantId: string, runId: string): Promise<boolean>;
  /** Saves a run's receipt where the user picks; the HTML file's path, or null when cancelled. */
  saveRunReceipt(tenantId: string, runId: string): Promise<string | null>;
  /**
   * Deletes a run's app registration: signs in to the run's tenant first (with `options`' method and
   * sign-in app; the shell sets the tenant and cloud), unless the wizard is signed in there already.
   * A session for another tenant is refused. Sign-in and cleanup events arrive on `onEvent`;
   * `cancelSignIn` gives up on the sign-in.
   */
  deleteRun(tenantId: string, runId: string, purge: boolean, options: StartOptions, onEvent: EventHandler): Promise<CleanupReport>;
}
