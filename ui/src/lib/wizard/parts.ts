// The wizard's state, one part per concern (lib/state/), as the actions in this folder share it,
// and what more than one of them does with it: stop on an error, and say so.
import type { ErrorInfo } from "../bindings/ErrorInfo";
import type { Step } from "../bindings/Step";
import type { Announcer } from "../state/announcer.svelte";
import type { Clock } from "../state/clock.svelte";
import type { Outcome } from "../state/outcome.svelte";
import type { Progress } from "../state/progress.svelte";
import type { Runs } from "../state/runs.svelte";
import type { Settings } from "../state/settings.svelte";
import type { SignInPrompt } from "../state/sign-in.svelte";
import type { Trouble } from "../state/trouble.svelte";

export interface Parts {
  /** What the user chose on Welcome (practice, cloud, tenant, mode, presenter). */
  readonly settings: Settings;
  /** The 16 steps, each page's status, which page is shown. */
  readonly progress: Progress;
  /** What the run found and made (tenant, IDs, consent link, deadline). */
  readonly outcome: Outcome;
  /** What a sign-in in progress waits on (browser address, device code). */
  readonly signIn: SignInPrompt;
  /** The last error and the trail behind "Copy diagnostics". */
  readonly trouble: Trouble;
  /** The time countdowns are drawn against. */
  readonly clock: Clock;
  /** The live region's words for screen readers. */
  readonly announcer: Announcer;
  /** The Runs page: every run on this computer, and deletions under way. */
  readonly runs: Runs;
}

/** Codes whose remedy is the Sign-in app option: "Start over" lands on Welcome with Options open. */
const OPTIONS_REMEDY = ["signInAppBlocked", "consentBlockedByPolicy", "adminConsentRequired"];

/** The wizard stopped on an error (at an engine step, if one): the error panel shows it, the screen reader hears it. */
export function fail(parts: Parts, info: ErrorInfo, step: Step | null): void {
  parts.trouble.record(info, step);
  const at = step ? parts.progress.where(step) : "";
  parts.announcer.say(`The wizard stopped${at ? ` at ${at}` : ""}. ${info.remedy}`);
  if (OPTIONS_REMEDY.includes(info.code)) parts.settings.optionsOpen = true;
  parts.progress.phase = "failed";
}
