// The flow: the actions that take the user from Welcome through sign-in, the tenant question, the
// choice of app and the run to Finish, and back for the next tenant; with the state they keep
// between pages (stopping, the late earlier run, the tenant just done). Each calls the backend
// and hands its events to the reducer (events.ts).
import type { AppChoice } from "../bindings/AppChoice";
import type { ConsentPlan } from "../bindings/ConsentPlan";
import type { Event } from "../bindings/Event";
import type { StartOptions } from "../bindings/StartOptions";
import type { Backend } from "../backend/types";
import { toErrorInfo } from "../errors";
import { FINISH, WELCOME } from "../state/progress.svelte";
import { formatRemaining, type ErrorAction } from "../text";
import { applyEvent } from "./events";
import { loadPlan } from "./load";
import { fail, type Parts } from "./parts";

/** What the run waits for from the user, and on which page. */
export interface Question {
  page: number;
  /** What is asked, as the page asks it. */
  text: string;
}

/** Which existing app to use, or a new one. */
export type AppPick = { createNew: true } | { reuse: string };

export class Flow {
  /** The user asked to stop the run and continue later; the run has not stopped yet. */
  stopping = $state(false);
  /** The earlier run came in after the pages showed (see `load`): it is shown where it moves nothing. */
  earlierLate = $state(false);
  /** "Recover another tenant" left this tenant's values behind (on the Runs page). */
  previousTenant: string | null = $state(null);

  private readonly backend: Backend;
  private readonly parts: Parts;

  constructor(backend: Backend, parts: Parts) {
    this.backend = backend;
    this.parts = parts;
  }

  private readonly onEvent = (e: Event) => applyEvent(this.parts, e);

  private say(text: string): void {
    this.parts.announcer.say(text);
  }

  /**
   * What the run cannot go on without, and the page it is on: the tenant question, the choice of
   * an existing app, or a sign-in in the browser. Null while the run needs nothing from the user.
   */
  get question(): Question | null {
    const { progress, settings, signIn } = this.parts;
    if (progress.phase === "confirmTenant") {
      return { page: progress.firstPageOf("readTenant"), text: "Is this the tenant of your PMPC company?" };
    }
    if (progress.phase === "chooseApp") {
      return { page: progress.firstPageOf("findExisting"), text: 'Use an existing "PMPC Recovery" app, or create a new one?' };
    }
    if (progress.phase === "signingIn" && !settings.practice) {
      const text = signIn.userCode ? "Enter the sign-in code on Microsoft's page" : "Finish signing in in your web browser";
      return { page: progress.firstPageOf("signIn"), text };
    }
    return null;
  }

  /** The wizard is signing in or running: a second sign-in now would replace this one. */
  get working(): boolean {
    const { phase } = this.parts.progress;
    return phase === "signingIn" || phase === "running";
  }

  /** The plan and the earlier run on this computer, before the pages show (see load.ts). */
  async load(): Promise<void> {
    await loadPlan(this.backend, this.parts, () => (this.earlierLate = true));
  }

  async start(practice: boolean): Promise<void> {
    const { settings, progress, trouble } = this.parts;
    // A wrong option sends nothing: the user fixes it first, where it is shown.
    if (!practice && !settings.checkOptions()) return;
    settings.practice = practice;
    this.previousTenant = null;
    progress.reset();
    trouble.clear();
    progress.phase = "signingIn";
    progress.jumpTo(progress.firstPageOf("signIn"));
    this.say(practice ? "Practice run started: signing in to the practice tenant." : "Signing in to Microsoft.");
    const target = settings.signInTarget();
    trouble.note(
      `start practice=${practice} cloud=${settings.cloud} mode=${settings.mode} deviceCode=${settings.deviceCode} tenant=${target.tenant ?? "organizations"} clientId=${target.clientId ?? "default"}`,
    );
    try {
      const options: StartOptions = {
        practice,
        cloud: settings.cloud,
        method: settings.deviceCode ? "deviceCode" : "browser",
        stepByStep: settings.mode === "stepByStep",
        ...target,
      };
      this.parts.outcome.precheck = await this.backend.signIn(options, this.onEvent);
      this.parts.signIn.clear();
      progress.phase = "confirmTenant";
      // The question comes to the front, wherever the user was looking.
      progress.jumpTo(progress.firstPageOf("readTenant"));
      this.say(`Signed in. Your answer is needed on step ${progress.firstPageOf("readTenant")}: Is this the tenant of your PMPC company?`);
    } catch (err) {
      fail(this.parts, toErrorInfo(err), "signIn");
    }
  }

  async cancelSignIn(): Promise<void> {
    await this.backend.cancelSignIn();
  }

  /** "Is this the tenant of your PMPC company?" */
  async confirmTenant(yes: boolean, handOff = false): Promise<void> {
    const { settings, outcome, progress } = this.parts;
    if (!yes) {
      // The tenant field is where a guest or a multi-tenant account names the right tenant.
      settings.optionsOpen = true;
      await this.signOut();
      return;
    }
    outcome.handOff = handOff;
    // A run of this tenant on this computer goes on with its own app: nothing to choose.
    const resumed = outcome.precheck?.resume?.app;
    if (resumed) {
      await this.run({ reuse: resumed.objectId });
    } else if ((outcome.precheck?.existing.length ?? 0) > 0) {
      progress.phase = "chooseApp";
      progress.jumpTo(progress.firstPageOf("findExisting"));
      progress.mark("findExisting", { state: "active", note: "Choose below", until: null });
      this.say(`Your answer is needed on ${progress.where("findExisting")}: ${this.question?.text}`);
    } else {
      await this.run({ createNew: true });
    }
  }

  async run(app: AppPick): Promise<void> {
    const { progress, outcome, trouble } = this.parts;
    const choice: AppChoice = "reuse" in app ? { kind: "reuse", objectId: app.reuse } : { kind: "createNew" };
    const consent: ConsentPlan = outcome.handOff ? "handOff" : "stop";
    progress.phase = "running";
    trouble.clear();
    progress.awaitingNext = false;
    progress.following = true;
    trouble.note(`run app=${"reuse" in app ? "reuse" : "new"} consent=${consent}`);
    try {
      outcome.credentials = await this.backend.run({ app: choice, consent, revealSecret: false }, this.onEvent);
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
        fail(this.parts, info, null);
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
    this.parts.trouble.note("stop and continue later");
    await this.backend.stopRun();
  }

  /** The run stopped at the user's request: the pages it was busy on say that it continues there. */
  private stopped(): void {
    const { progress } = this.parts;
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
    this.parts.progress.awaitingNext = false;
    this.parts.progress.following = true;
    await this.backend.proceed();
  }

  /** Runs again; the engine resumes from its journal, so nothing is done twice. */
  async retry(): Promise<void> {
    if (this.parts.outcome.precheck) {
      await this.run(this.appPick());
    } else {
      await this.start(this.parts.settings.practice);
    }
  }

  private appPick(): AppPick {
    const { app } = this.parts.outcome;
    return app ? { reuse: app.objectId } : { createNew: true };
  }

  async continueWithHandOff(): Promise<void> {
    this.parts.outcome.handOff = true;
    await this.run(this.appPick());
  }

  async signOut(): Promise<void> {
    const { outcome, progress } = this.parts;
    try {
      await this.backend.signOut();
    } finally {
      outcome.precheck = null;
      progress.phase = "welcome";
      progress.current = WELCOME;
      progress.reset();
    }
  }

  /**
   * "Recover another tenant" (Finish): back to the start for the next tenant, with the same
   * choices (cloud, sign-in app, mode, presenter mode) but not this tenant, whose values stay on the
   * Runs page.
   */
  async recoverAnother(): Promise<void> {
    const { settings, progress, outcome, trouble } = this.parts;
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
    trouble.clear();
    trouble.note("recover another tenant");
    this.previousTenant = settings.practice ? null : (done ?? "");
    progress.reset();
    progress.phase = "welcome";
    progress.jumpTo(WELCOME);
    this.say("Ready for the next tenant: sign in with an administrator of that tenant.");
  }

  /** A button on the error panel. */
  async act(action: ErrorAction): Promise<void> {
    switch (action) {
      case "retry":
        return this.retry();
      case "signInAgain":
        return this.start(this.parts.settings.practice);
      case "handOffConsent":
        return this.continueWithHandOff();
      case "startOver":
        return this.signOut();
      case "openPortal": {
        const base = `${this.parts.settings.portal}/#view/Microsoft_AAD_RegisteredApps`;
        const app = this.parts.outcome.app;
        const url = app ? `${base}/ApplicationMenuBlade/~/CallAnAPI/appId/${app.appId}` : `${base}/ApplicationsListBlade`;
        return this.backend.openUrl(url);
      }
    }
  }
}
