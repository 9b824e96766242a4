// The wizard: its state, split by concern into parts the pages read through Svelte context
// (lib/context.ts), and the actions behind the buttons. Only the actions here call the backend.
//
//   settings  what the user chose on Welcome (practice, cloud, tenant, mode, presenter)
//   progress  the 16 steps, each page's status, which page is shown
//   outcome   what the run found and made (tenant, IDs, consent link, deadline)
//   signIn    what a sign-in in progress waits on (browser address, device code)
//   trouble   the last error and the trail behind "Copy diagnostics"
//   clock     the time countdowns are drawn against
//   announcer the live region's words for screen readers
//   runs      the Runs page: every run on this computer, and deletions under way
import type { AppChoice } from "./bindings/AppChoice";
import type { CleanupReport } from "./bindings/CleanupReport";
import type { ConsentPlan } from "./bindings/ConsentPlan";
import type { Diagnostics } from "./bindings/Diagnostics";
import type { ErrorInfo } from "./bindings/ErrorInfo";
import type { Event } from "./bindings/Event";
import type { RunStatus } from "./bindings/RunStatus";
import type { Step } from "./bindings/Step";
import type { Backend } from "./backend/types";
import { toErrorInfo } from "./errors";
import { tenantFromInput } from "./options-check";
import { Announcer } from "./state/announcer.svelte";
import { Clock } from "./state/clock.svelte";
import { Outcome } from "./state/outcome.svelte";
import { FINISH, Progress, RUNS, WELCOME } from "./state/progress.svelte";
import { Runs, tenantLabel } from "./state/runs.svelte";
import { Settings } from "./state/settings.svelte";
import { SignInPrompt } from "./state/sign-in.svelte";
import { Trouble } from "./state/trouble.svelte";
import { formatRemaining, retryText, summary, waitText, type ErrorAction } from "./text";

export { toErrorInfo } from "./errors";
export { clientIdError, tenantError, tenantFromInput } from "./options-check";
export { FINISH, RUNS, WELCOME, type PageId, type PageState, type PageStatus, type Phase } from "./state/progress.svelte";
export { tenantLabel, tenantWithDomain, type RunWork } from "./state/runs.svelte";
export type { Mode } from "./state/settings.svelte";
export type { Failure } from "./state/trouble.svelte";

/** What the run waits for from the user, and on which page. */
export interface Question {
  page: number;
  /** What is asked, as the page asks it. */
  text: string;
}

/** How long the pages wait for the earlier run before they show without it. */
const STATUS_WAIT_MS = 3000;

/** Which existing app to use, or a new one. */
export type AppPick = { createNew: true } | { reuse: string };

export class Wizard {
  readonly backend: Backend;
  readonly settings = new Settings();
  readonly progress = new Progress();
  readonly outcome = new Outcome();
  readonly signIn = new SignInPrompt();
  readonly trouble = new Trouble();
  readonly clock = new Clock();
  readonly announcer = new Announcer();
  readonly runs = new Runs();
  /** A cleanup is under way. */
  busy = $state(false);
  /** The user asked to stop the run and continue later; the run has not stopped yet. */
  stopping = $state(false);
  /** The earlier run came in after the pages showed (see `load`): it is shown where it moves nothing. */
  earlierLate = $state(false);
  /** "Recover another tenant" left this tenant's values behind (on the Runs page). */
  previousTenant: string | null = $state(null);

  constructor(backend: Backend) {
    this.backend = backend;
  }

  /**
   * What the run cannot go on without, and the page it is on: the tenant question, the choice of
   * an existing app, or a sign-in in the browser. Null while the run needs nothing from the user.
   */
  get question(): Question | null {
    const { phase } = this.progress;
    if (phase === "confirmTenant") {
      return { page: this.firstPageOf("readTenant"), text: "Is this the tenant of your PMPC company?" };
    }
    if (phase === "chooseApp") {
      return { page: this.firstPageOf("findExisting"), text: 'Use an existing "PMPC Recovery" app, or create a new one?' };
    }
    if (phase === "signingIn" && !this.settings.practice) {
      const text = this.signIn.userCode ? "Enter the sign-in code on Microsoft's page" : "Finish signing in in your web browser";
      return { page: this.firstPageOf("signIn"), text };
    }
    return null;
  }

  /** "step 3" or "steps 5 to 10", for what an engine step fills. */
  private where(step: Step): string {
    const pages = this.progress.pagesOf(step);
    if (pages.length === 0) return "";
    return pages.length === 1 ? `step ${pages[0]}` : `steps ${pages[0]} to ${pages.at(-1)}`;
  }

  private titleOf(step: Step): string {
    const first = this.progress.pagesOf(step)[0];
    return this.progress.steps.find((s) => s.number === first)?.title ?? "";
  }

  private say(text: string): void {
    this.announcer.say(text);
  }

  async load(): Promise<void> {
    // The plan and the earlier run are asked for together, and the pages show only once both are
    // in (in the same update), so Welcome's section about the earlier run, the header's countdown
    // and the step list's marks never push a button the user is about to click. Should the earlier
    // run take longer than STATUS_WAIT_MS (a slow keychain), the page shows without it and gets it
    // later where it moves nothing (`earlierLate`).
    const status = this.backend.status().then(
      (earlier) => earlier,
      (err) => {
        // Not fatal: a new run works without it, and tells the user if the keychain is the problem.
        this.trouble.note(`no earlier run: ${toErrorInfo(err).code}`);
        return null;
      },
    );
    const late = Symbol("late");
    let plan;
    try {
      plan = await this.backend.plan();
    } catch (err) {
      this.fail(toErrorInfo(err), null);
      return;
    }
    let earlier = await Promise.race([status, new Promise<typeof late>((r) => setTimeout(() => r(late), STATUS_WAIT_MS))]);
    if (earlier === late) {
      this.earlierLate = true;
      this.progress.load(plan);
      earlier = await status;
    } else {
      this.progress.load(plan);
    }
    if (!earlier) return;
    this.outcome.resume(earlier);
    // What the earlier session got done, as the core reads its journal.
    for (const step of earlier.doneSteps) {
      this.progress.mark(step, { state: "done", note: "Done in an earlier session", until: null });
    }
  }

  // --- the flow ----------------------------------------------------------------------------------
  async start(practice: boolean): Promise<void> {
    const { settings, progress } = this;
    // A wrong option sends nothing: the user fixes it first, where it is shown.
    if (!practice && !settings.checkOptions()) return;
    settings.practice = practice;
    this.previousTenant = null;
    progress.reset();
    this.trouble.clear();
    progress.phase = "signingIn";
    progress.jumpTo(this.firstPageOf("signIn"));
    this.say(practice ? "Practice run started: signing in to the practice tenant." : "Signing in to Microsoft.");
    const target = settings.signInTarget();
    this.trouble.note(
      `start practice=${practice} cloud=${settings.cloud} mode=${settings.mode} deviceCode=${settings.deviceCode} tenant=${target.tenant ?? "organizations"} clientId=${target.clientId ?? "default"}`,
    );
    try {
      this.outcome.precheck = await this.backend.signIn(
        {
          practice,
          cloud: settings.cloud,
          method: settings.deviceCode ? "deviceCode" : "browser",
          stepByStep: settings.mode === "stepByStep",
          ...target,
        },
        (e) => this.onEvent(e),
      );
      this.signIn.clear();
      progress.phase = "confirmTenant";
      // The question comes to the front, wherever the user was looking.
      progress.jumpTo(this.firstPageOf("readTenant"));
      this.say(`Signed in. Your answer is needed on step ${this.firstPageOf("readTenant")}: Is this the tenant of your PMPC company?`);
    } catch (err) {
      this.fail(toErrorInfo(err), "signIn");
    }
  }

  async cancelSignIn(): Promise<void> {
    await this.backend.cancelSignIn();
  }

  /** "Is this the tenant of your PMPC company?" */
  async confirmTenant(yes: boolean, handOff = false): Promise<void> {
    if (!yes) {
      // The tenant field is where a guest or a multi-tenant account names the right tenant.
      this.settings.optionsOpen = true;
      await this.signOut();
      return;
    }
    this.outcome.handOff = handOff;
    // A run of this tenant on this computer goes on with its own app: nothing to choose.
    const resumed = this.outcome.precheck?.resume?.app;
    if (resumed) {
      await this.run({ reuse: resumed.objectId });
    } else if ((this.outcome.precheck?.existing.length ?? 0) > 0) {
      this.progress.phase = "chooseApp";
      this.progress.jumpTo(this.firstPageOf("findExisting"));
      this.progress.mark("findExisting", { state: "active", note: "Choose below", until: null });
      this.say(`Your answer is needed on ${this.where("findExisting")}: ${this.question?.text}`);
    } else {
      await this.run({ createNew: true });
    }
  }

  async run(app: AppPick): Promise<void> {
    const { progress, outcome } = this;
    const choice: AppChoice = "reuse" in app ? { kind: "reuse", objectId: app.reuse } : { kind: "createNew" };
    const consent: ConsentPlan = outcome.handOff ? "handOff" : "stop";
    progress.phase = "running";
    this.trouble.clear();
    progress.awaitingNext = false;
    progress.following = true;
    this.trouble.note(`run app=${"reuse" in app ? "reuse" : "new"} consent=${consent}`);
    try {
      outcome.credentials = await this.backend.run({ app: choice, consent, revealSecret: false }, (e) => this.onEvent(e));
      outcome.deadline = outcome.credentials.deadline;
      progress.awaitingNext = false;
      progress.phase = "finished";
      progress.followTo(FINISH);
      const left = outcome.deadline ? ` You have ${formatRemaining(Date.parse(outcome.deadline) - Date.now())} left to give them to Patch My PC Cloud.` : "";
      this.say(
        outcome.credentials.verified
          ? `Done: all steps finished. The four values are on the Finish page.${left}`
          : `Almost done: an administrator must grant the permission. The values are on the Finish page.${left}`,
      );
    } catch (err) {
      progress.awaitingNext = false;
      const info = toErrorInfo(err);
      if (this.stopping && info.code === "interrupted") {
        this.stopped();
      } else {
        this.fail(info, null);
      }
    } finally {
      this.stopping = false;
    }
  }

  /**
   * "Stop and continue later" while the run waits for Microsoft: the run stops where it is, with
   * everything done so far kept on this computer; the next run of this tenant continues there.
   */
  async stopAndContinueLater(): Promise<void> {
    this.stopping = true;
    this.trouble.note("stop and continue later");
    await this.backend.stopRun();
  }

  /** The run stopped at the user's request: the pages it was busy on say that it continues there. */
  private stopped(): void {
    const { progress } = this;
    const busy = progress.steps.filter((s) => ["active", "waiting"].includes(progress.statusOf(s.number).state)).map((s) => s.number);
    progress.markPages(busy, { state: "stopped", note: null, until: null });
    progress.phase = "stopped";
    if (busy.length) progress.followTo(busy[0]);
    this.say(
      `Stopped${busy.length ? ` at step ${busy[0]}` : ""}. Everything done so far is saved on this computer. Run the wizard again and sign in to the same tenant to continue from there.`,
    );
  }

  /** Step-by-step mode: the user read this page; let the engine do the next step. */
  async next(): Promise<void> {
    this.progress.awaitingNext = false;
    this.progress.following = true;
    await this.backend.proceed();
  }

  /** Runs again; the engine resumes from its journal, so nothing is done twice. */
  async retry(): Promise<void> {
    if (this.outcome.precheck) {
      await this.run(this.appPick());
    } else {
      await this.start(this.settings.practice);
    }
  }

  private appPick(): AppPick {
    return this.outcome.app ? { reuse: this.outcome.app.objectId } : { createNew: true };
  }

  async continueWithHandOff(): Promise<void> {
    this.outcome.handOff = true;
    await this.run(this.appPick());
  }

  async signOut(): Promise<void> {
    try {
      await this.backend.signOut();
    } finally {
      this.outcome.precheck = null;
      this.progress.phase = "welcome";
      this.progress.current = WELCOME;
      this.progress.reset();
    }
  }

  async cleanup(purge: boolean): Promise<void> {
    this.busy = true;
    try {
      await this.backend.cleanup(purge, (e) => this.onEvent(e));
      this.outcome.cleanedUp = true;
      this.outcome.secret = null;
      this.outcome.deadline = null;
      this.trouble.note(`cleanup purge=${purge}`);
    } catch (err) {
      this.fail(toErrorInfo(err), "cleanup");
    } finally {
      this.busy = false;
    }
  }

  async forgetSecrets(): Promise<void> {
    await this.backend.forgetSecrets();
    this.outcome.secret = null;
    this.trouble.note("secrets forgotten");
  }

  /** The wizard is signing in or running: a second sign-in now would replace this one. */
  get working(): boolean {
    return this.progress.phase === "signingIn" || this.progress.phase === "running";
  }

  /**
   * "Recover another tenant" (Finish): back to the start for the next tenant, with the same
   * choices (cloud, sign-in app, mode, presenter mode) but not this tenant, whose values stay on the
   * Runs page.
   */
  async recoverAnother(): Promise<void> {
    const { settings, progress, outcome } = this;
    const done = outcome.precheck?.tenant.displayName || null;
    try {
      await this.backend.signOut();
    } catch {
      // The next sign-in replaces this one anyway.
    }
    if (settings.tenant !== "") {
      // It named this tenant; the next one is typed here.
      settings.tenant = "";
      settings.optionsOpen = true;
    }
    settings.optionsChecked = false;
    outcome.reset();
    this.trouble.clear();
    this.trouble.note("recover another tenant");
    this.previousTenant = settings.practice ? null : (done ?? "");
    progress.reset();
    progress.phase = "welcome";
    progress.jumpTo(WELCOME);
    this.say("Ready for the next tenant: sign in with an administrator of that tenant.");
  }

  // --- the Runs page -----------------------------------------------------------------------------
  async openRuns(): Promise<void> {
    if (this.progress.current !== RUNS) this.runs.from = this.progress.current;
    this.progress.show(RUNS);
    await this.loadRuns();
  }

  /** Back to the page the Runs page was opened from. */
  closeRuns(): void {
    this.progress.show(this.runs.from ?? WELCOME);
  }

  async loadRuns(): Promise<void> {
    const { runs } = this;
    runs.loading = true;
    try {
      runs.list = await this.backend.runs();
      runs.error = null;
    } catch (err) {
      runs.error = toErrorInfo(err);
      this.trouble.note(`runs failed code=${runs.error.code}`);
    } finally {
      runs.loading = false;
    }
  }

  /**
   * Goes on with a run that stopped: the wizard's own sign-in, pinned to the run's tenant (and
   * cloud); the engine finds the run's record and picks up where it stopped.
   */
  async continueRun(run: RunStatus): Promise<void> {
    const { settings, outcome } = this;
    this.trouble.note(`continue run tenant=${run.journal.tenantId}`);
    const signedIn = [...run.journal.activity].reverse().find((a) => a.kind === "signedIn");
    if (signedIn?.kind === "signedIn") settings.cloud = signedIn.cloud;
    settings.tenant = run.journal.tenantId;
    outcome.reset();
    outcome.resume(run);
    await this.start(false);
  }

  /** The sign-in options of a deletion: the user's method and sign-in app (the shell sets tenant and cloud). */
  private deletionOptions() {
    const clientId = this.settings.clientId.trim();
    return {
      practice: false,
      cloud: this.settings.cloud,
      method: this.settings.deviceCode ? ("deviceCode" as const) : ("browser" as const),
      stepByStep: false,
      ...(clientId ? { clientId } : {}),
    };
  }

  /**
   * Deletes a run's app registration (after the page asked), signing in to the run's tenant.
   * Returns what was deleted, or null when it failed (why is in `runs.work`).
   */
  async deleteRun(run: RunStatus, purge: boolean): Promise<CleanupReport | null> {
    const { runs, outcome } = this;
    const id = run.journal.runId;
    runs.work[id] = { phase: "signingIn", error: null };
    runs.signIn.clear();
    runs.signingIn = id;
    this.trouble.note(`delete run tenant=${run.journal.tenantId} purge=${purge}`);
    try {
      const report = await this.backend.deleteRun(run.journal.tenantId, id, purge, this.deletionOptions(), (e) => {
        if (e.type === "signInUrl") runs.signIn.url = e.url;
        else if (e.type === "deviceCode") runs.signIn.userCode = { code: e.userCode, uri: e.verificationUri };
        else if (e.type === "started" && e.step === "cleanup") {
          runs.signingIn = null;
          runs.work[id] = { phase: "deleting", error: null };
        } else if (e.type === "retrying") {
          this.trouble.note(`  attempt ${e.attempt}: ${e.error.status} ${e.error.code} request-id=${e.error.requestId ?? "-"}`);
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
      this.trouble.note(`delete run failed code=${info.code} request-id=${info.requestId ?? "-"}`);
      return null;
    } finally {
      runs.signingIn = null;
      runs.signIn.clear();
      await this.loadRuns();
    }
  }

  /** Deletes the app registration of every run past its deadline, one tenant after another. */
  async deleteExpired(purge: boolean): Promise<void> {
    for (const run of [...this.runs.expired]) {
      const deleted = await this.deleteRun(run, purge);
      // Cancelling a sign-in stops the round; any other failure is shown on its run.
      if (!deleted && this.runs.workOf(run)?.error?.code === "signInCancelled") break;
    }
  }

  /** Forgets a run on this computer (its record and secret); its app registration stays. */
  async forgetRun(run: RunStatus): Promise<void> {
    await this.backend.forgetRun(run.journal.tenantId, run.journal.runId);
    this.trouble.note(`forgot run tenant=${run.journal.tenantId}`);
    if (this.outcome.isAbout(run)) {
      // The values stay true; the secret is gone from this computer.
      this.outcome.secret = null;
      this.outcome.earlier = null;
    }
    delete this.runs.work[run.journal.runId];
    this.say(`Forgot the run for ${tenantLabel(run)} on this computer.`);
    await this.loadRuns();
  }

  /** A button on the error panel. */
  async act(action: ErrorAction): Promise<void> {
    switch (action) {
      case "retry":
        return this.retry();
      case "signInAgain":
        return this.start(this.settings.practice);
      case "handOffConsent":
        return this.continueWithHandOff();
      case "startOver":
        return this.signOut();
      case "openPortal": {
        const base = `${this.settings.portal}/#view/Microsoft_AAD_RegisteredApps`;
        const app = this.outcome.app;
        const url = app ? `${base}/ApplicationMenuBlade/~/CallAnAPI/appId/${app.appId}` : `${base}/ApplicationsListBlade`;
        return this.backend.openUrl(url);
      }
    }
  }

  private firstPageOf(step: Step): number {
    return this.progress.pagesOf(step)[0] ?? this.progress.steps[0]?.number;
  }

  // --- events ------------------------------------------------------------------------------------
  onEvent(e: Event): void {
    const { progress } = this;
    switch (e.type) {
      case "signInUrl":
        this.signIn.url = e.url;
        return;
      case "deviceCode":
        this.signIn.userCode = { code: e.userCode, uri: e.verificationUri };
        return;
    }
    const pages = progress.pagesOf(e.step);
    this.trouble.note(`${e.type} ${e.step}`);
    switch (e.type) {
      case "started":
        progress.mark(e.step, { state: "active", note: null, until: null });
        if (pages.length) progress.followTo(pages[0]);
        if (pages.length) this.say(`${this.cap(this.where(e.step))}, ${this.titleOf(e.step)}: in progress.`);
        break;
      case "waiting": {
        // Waiting for the user is work in progress, not a retry with a countdown.
        const text = waitText(e.reason, this.settings.practice);
        // The retry that came with it knows since when, and for what, the step waits.
        const { since, reason } = pages.length ? progress.statusOf(pages[0]) : {};
        progress.mark(
          e.step,
          e.reason === "browserSignIn" || e.reason === "deviceCode"
            ? { state: "active", note: `${text}…`, until: null }
            : { state: "waiting", note: text, until: Date.now() + e.seconds * 1000, since, reason },
        );
        if (pages.length) this.say(`${this.cap(this.where(e.step))}: ${text}.`);
        break;
      }
      case "retrying":
        this.trouble.note(`  attempt ${e.attempt}: ${e.error.status} ${e.error.code} request-id=${e.error.requestId ?? "-"}`);
        progress.mark(e.step, {
          state: "waiting",
          note: retryText(e.reason),
          until: Date.now() + e.delaySeconds * 1000,
          since: Date.now() - e.waitedSeconds * 1000,
          reason: e.reason,
        });
        if (pages.length) this.say(`${this.cap(this.where(e.step))}: waiting. ${retryText(e.reason)}; the wizard tries again by itself.`);
        break;
      case "done":
      case "skipped":
        progress.mark(e.step, {
          state: "done",
          note: e.type === "skipped" ? "Already done in an earlier run" : summary(e.data),
          until: null,
        });
        this.outcome.take(e.data);
        if (pages.length) this.say(`${this.cap(this.where(e.step))} done.`);
        if (this.settings.mode === "stepByStep" && progress.phase === "running") {
          progress.awaitingNext = true;
          if (progress.nextTitle) this.say(`${this.cap(this.where(e.step))} done. Press Next to go on with ${progress.nextTitle}.`);
        }
        break;
      case "failed":
        progress.mark(e.step, { state: "failed", note: null, until: null });
        if (pages.length) progress.followTo(pages[0]);
        break;
    }
  }

  private cap(text: string): string {
    return text.charAt(0).toUpperCase() + text.slice(1);
  }

  private fail(info: ErrorInfo, step: Step | null): void {
    this.trouble.record(info, step);
    const at = step ? this.where(step) : "";
    this.say(`The wizard stopped${at ? ` at ${at}` : ""}. ${info.remedy}`);
    // Its remedy is the Sign-in app option: "Start over" lands on Welcome with Options open.
    if (["signInAppBlocked", "consentBlockedByPolicy", "adminConsentRequired"].includes(info.code)) this.settings.optionsOpen = true;
    this.progress.phase = "failed";
  }

  /**
   * A report for support: the app and OS, what ran, where, the last error, every request ID, and
   * the log's last lines. No secret, no token (the shell redacts the log lines it sends).
   */
  async diagnostics(): Promise<string> {
    let app: Diagnostics | null = null;
    try {
      app = await this.backend.diagnostics();
    } catch {
      // The report is still worth copying without the app's part.
    }
    const { settings, outcome, progress, trouble } = this;
    const pre = outcome.precheck;
    const lines = [
      "PMPC Recovery Wizard diagnostics",
      `time: ${new Date().toISOString()}`,
      `app version: ${app?.appVersion ?? "-"}; os: ${app?.os ?? "-"}`,
      `practice: ${settings.practice}; cloud: ${settings.cloud}; mode: ${settings.mode}`,
      `sign-in tenant: ${tenantFromInput(settings.tenant) || "organizations"}; sign-in app: ${settings.clientId.trim() || "Microsoft Graph Command Line Tools (default)"}`,
      `guest account: ${pre ? pre.session.guest : "-"}; eligible roles (not active): ${pre?.roles.eligible.join(", ") || "-"}`,
      `tenant: ${pre?.tenant.tenantId ?? outcome.app?.tenantId ?? "-"}`,
      `account: ${pre?.session.userPrincipalName ?? "-"}; roles: ${pre?.roles.roles.join(", ") || "-"}`,
      `application (client) id: ${outcome.app?.appId ?? "-"}; object id: ${outcome.app?.objectId ?? "-"}`,
      `secret: ${outcome.secret ? `created, expires ${outcome.secret.endDateTime}` : "-"}`,
      `steps: ${Object.entries(progress.status).map(([n, s]) => `${n}=${s.state}`).join(" ")}`,
    ];
    const f = trouble.failure;
    if (f) {
      lines.push(`error: ${f.info.code} at ${f.at.toISOString()} step=${f.step ?? "-"} request-id=${f.info.requestId ?? "-"}`);
      lines.push(`message: ${f.info.message}`);
    }
    lines.push(`request ids: ${trouble.requestIds.join(", ") || "-"}`);
    lines.push("trail:", ...trouble.lastLines(60));
    lines.push(`log (${app?.logFolder ?? "no log folder"}), last lines:`, ...(app?.logTail ?? []));
    return lines.join("\n");
  }
}
