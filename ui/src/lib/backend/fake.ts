// A scripted Backend for component tests and the page tests' mock build: plays a whole run's
// events without any shell. The runs on the fake computer are in fake-runs.ts.
import type { Backend, EventHandler } from "./types";
import type { PlanInfo } from "../bindings/PlanInfo";
import type { StartOptions } from "../bindings/StartOptions";
import plan from "../bindings/plan.json";
import type { AppIds } from "../bindings/AppIds";
import type { CleanupReport } from "../bindings/CleanupReport";
import type { Copied } from "../bindings/Copied";
import type { Credentials } from "../bindings/Credentials";
import type { Diagnostics } from "../bindings/Diagnostics";
import type { Journal } from "../bindings/Journal";
import type { ErrorInfo } from "../bindings/ErrorInfo";
import type { Precheck } from "../bindings/Precheck";
import type { RoleCheck } from "../bindings/RoleCheck";
import type { RunChoice } from "../bindings/RunChoice";
import type { RunStatus } from "../bindings/RunStatus";
import type { Event } from "../bindings/Event";
import type { Step } from "../bindings/Step";
import type { StepData } from "../bindings/StepData";
import { APP_ID, HOUR, OBJECT_ID, RUN_SECRETS, SECRET, TENANT_ID, fakeRuns, fakeRunsAtScale } from "./fake-runs";

export { APP_ID, FABRIKAM_ID, OBJECT_ID, RUN_SECRETS, SECRET, TENANT_ID, fakeRuns, fakeRunsAtScale, journal, runStatus } from "./fake-runs";

const CREATED = "2026-11-28T09:00:00Z";
const DEADLINE = "2026-12-01T09:00:00Z";
/** The ids Microsoft gives the run's service principal, app role assignment and secret, and the signed-in admin. */
const SP_ID = "5f2e8c1a-93d4-4b7e-a6c0-1e9d7b3f4a58";
const ASSIGNMENT_ID = "GpTxBPuXb0-3Ss0cZ4RvYmAKNQUdD4ZJgDxMzVJkTKU";
const KEY_ID = "8a4c1e2f-7b3d-4f6a-9c5e-0d2b1a3f4e6c";
const USER_ID = "4f7a9c21-3b6e-4d8f-a1c5-6e2b9d0f7a34";

/** As long as Microsoft's: PKCE, state and nonce make it several lines. */
export const SIGN_IN_URL =
  "https://login.microsoftonline.com/organizations/oauth2/v2.0/authorize?response_type=code&client_id=14d82eec-204b-4c2f-b7e8-296a70dab67e&state=Qm9vdHN0cmFwLXN0YXRlLXZhbHVl&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256&redirect_uri=http%3A%2F%2Flocalhost%3A53682&scope=openid+profile+offline_access+https%3A%2F%2Fgraph.microsoft.com%2F.default&nonce=bm9uY2UtdmFsdWU";

/** The real plan, as the shell serves it (written by src-tauri's tests). */
export const PLAN = plan as PlanInfo;

export const FULL_ROLES: RoleCheck = {
  verdict: "canDoEverything",
  roles: ["Global Administrator"],
  eligible: [],
  explanation: "You are a Global Administrator: the wizard can do every step.",
};

export interface FakeOptions {
  roles?: RoleCheck;
  existing?: Precheck["existing"];
  /** Fail the run at this step with this error. */
  failAt?: { step: Step; error: ErrorInfo };
  signInError?: ErrorInfo;
  /** Sign-in waits for the browser until cancelled. */
  waitForBrowser?: boolean;
  earlier?: RunStatus | null;
  /** The earlier run on this computer is the first of `runs` (Contoso, verified). */
  earlierRun?: boolean;
  /** Signed in as a guest of the tenant (an account from another organization). */
  guest?: boolean;
  /** The user cancels the save dialog. */
  cancelSave?: boolean;
  /** The runs on this computer (the Runs page); default: `fakeRuns()`, two runs. */
  runs?: RunStatus[];
  /** The Runs page shows four runs, one in each other state (see `fakeRuns`). */
  manyRuns?: boolean;
  /** The Runs page shows this many runs (see `fakeRunsAtScale`). */
  runCount?: number;
  /**
   * The first run waits at verification for a new secret Microsoft calls expired (as it does for a
   * while), 75 s so far, until the user stops it to continue later; the next run finishes.
   */
  slowSecret?: boolean;
  /** A deletion's sign-in waits for the browser until cancelled. */
  deleteWaitsForBrowser?: boolean;
  /** A deletion fails with this error after signing in. */
  deleteError?: ErrorInfo;
  /** `status` (the earlier run) and `runs` answer after this long, as the shell does when it reads journals and the keychain. */
  statusDelayMs?: number;
  runsDelayMs?: number;
}

const later = (ms: number | undefined) => (ms ? new Promise<void>((r) => setTimeout(r, ms)) : Promise.resolve());

/** Records what the UI asked for, so tests can assert on it. */
export interface FakeBackend extends Backend {
  calls: string[];
  /** The options of each sign-in, as the UI sent them. */
  signIns: StartOptions[];
  copied: string[];
  proceedCount: number;
  /** Steps the run has finished so far. */
  stepsDone: number;
  /** The runs the Runs page sees now (forgotten ones gone, deleted ones cleaned up). */
  runList: RunStatus[];
}

export function fakeBackend(opts: FakeOptions = {}): FakeBackend {
  return new Fake(opts);
}

const CANCELLED: ErrorInfo = {
  code: "signInCancelled",
  message: "Sign-in was cancelled (you cancelled it in the wizard).",
  remedy: "Sign-in was cancelled. Start again and finish signing in in the browser.",
  requestId: null,
};

class Fake implements FakeBackend {
  calls: string[] = [];
  signIns: StartOptions[] = [];
  copied: string[] = [];
  proceedCount = 0;
  stepsDone = 0;
  runList: RunStatus[];
  private readonly opts: FakeOptions;
  private gate: (() => void) | null = null;
  private stepByStep = false;
  /** The first hand-off run leaves consent to another admin; by the next run they have granted it. */
  private handedOff = false;
  private cancel: (() => void) | null = null;
  private stop: (() => void) | null = null;
  private stoppedOnce = false;
  /** The tenant and app of the current sign-in: a run's own when the sign-in was pinned to it. */
  private signedIn: { tenant: Precheck["tenant"]; resume: Journal | null } | null = null;

  constructor(opts: FakeOptions) {
    this.opts = opts;
    this.runList = opts.runs ?? (opts.runCount ? fakeRunsAtScale(opts.runCount) : fakeRuns(Date.now(), opts.manyRuns));
  }

  private runOf(tenantId: string, runId: string): RunStatus {
    const run = this.runList.find((r) => r.journal.tenantId === tenantId && r.journal.runId === runId);
    if (!run) throw { code: "invalidInput", message: "This run is no longer recorded on this computer.", remedy: "Open the Runs page again.", requestId: null };
    return run;
  }

  private secretOf(tenantId: string, runId: string): string {
    const run = this.runOf(tenantId, runId);
    const secret = RUN_SECRETS[tenantId];
    if (!run.secretInKeychain || run.state.kind === "cleanedUp" || !secret) {
      throw { code: "secretMissing", message: "The client secret is no longer stored on this computer.", remedy: "Run the wizard again to make a new secret.", requestId: null };
    }
    return secret;
  }

  private async waitForCancel(onEvent: EventHandler): Promise<never> {
    onEvent({ type: "waiting", step: "signIn", reason: "browserSignIn", seconds: 0 });
    await new Promise<void>((resolve) => (this.cancel = resolve));
    const error = { ...CANCELLED };
    onEvent({ type: "failed", step: "signIn", error });
    throw error;
  }

  async plan(): Promise<PlanInfo> {
    this.calls.push("plan");
    return PLAN;
  }

  async status() {
    await later(this.opts.statusDelayMs);
    return this.opts.earlier ?? (this.opts.earlierRun ? structuredClone(this.runList[0]) : null);
  }

  async signIn(options: StartOptions, onEvent: EventHandler): Promise<Precheck> {
    const { opts } = this;
    this.calls.push(`signIn practice=${options.practice}`);
    this.signIns.push({ ...options });
    this.stepByStep = options.stepByStep;
    onEvent({ type: "started", step: "signIn" });
    onEvent({ type: "signInUrl", url: SIGN_IN_URL });
    if (opts.signInError) throw opts.signInError;
    if (opts.waitForBrowser) await this.waitForCancel(onEvent);
    onEvent(signInDone(session(opts.guest)));
    // Pinned to a tenant with a run on this computer: that tenant, and its run to resume.
    const pinned = options.practice ? undefined : this.runList.find((r) => r.journal.tenantId === options.tenant && r.state.kind !== "cleanedUp");
    const signedIn = {
      tenant: pinned
        ? { tenantId: pinned.journal.tenantId, displayName: pinned.tenantName ?? "", defaultDomain: pinned.defaultDomain }
        : { tenantId: TENANT_ID, displayName: "Contoso", defaultDomain: "contoso.onmicrosoft.com" },
      resume: pinned?.journal ?? null,
    };
    this.signedIn = signedIn;
    const own = signedIn.resume?.app;
    return {
      session: session(opts.guest),
      tenant: signedIn.tenant,
      roles: opts.roles ?? FULL_ROLES,
      // The run's own app is among the apps of that name.
      existing: own ? [{ objectId: own.objectId, appId: own.appId, displayName: "PMPC Recovery", createdDateTime: own.createdDateTime }] : (opts.existing ?? []),
      graphServicePrincipalId: "graph-sp",
      appRoleId: "b0afded3-3588-46d8-8b3d-9842eff778da",
      resume: signedIn.resume,
    };
  }

  async cancelSignIn() {
    this.calls.push("cancelSignIn");
    this.cancel?.();
  }

  async stopRun() {
    this.calls.push("stopRun");
    this.stop?.();
  }

  /** The app the run works on: the signed-in run's own, or a new one in Contoso. */
  private appIds(): AppIds {
    const tenantId = this.signedIn?.tenant.tenantId ?? TENANT_ID;
    const resumed = this.signedIn?.resume?.app;
    return resumed
      ? { tenantId, appId: resumed.appId, objectId: resumed.objectId, createdDateTime: resumed.createdDateTime, deadline: new Date(Date.parse(resumed.createdDateTime) + 72 * HOUR).toISOString() }
      : { tenantId, appId: APP_ID, objectId: OBJECT_ID, createdDateTime: CREATED, deadline: DEADLINE };
  }

  async run(choice: RunChoice, onEvent: EventHandler): Promise<Credentials> {
    this.calls.push(`run ${JSON.stringify(choice)}`);
    const ids = this.appIds();
    const handOffNow = choice.consent === "handOff" && !this.handedOff;
    this.handedOff ||= handOffNow;
    const consentUrl = `https://login.microsoftonline.com/${ids.tenantId}/adminconsent?client_id=${ids.appId}`;
    let first = true;
    for (const [step, data, summary] of runSteps(ids, this.opts.existing ?? [])) {
      if (handOffNow && (step === "confirmConsent" || step === "verify")) continue;
      if (handOffNow && step === "grantConsent") {
        onEvent({ type: "done", step, data: { kind: "consentHandedOff", adminConsentUrl: consentUrl }, summary: "Admin consent left to a Global or Privileged Role Administrator (admin-consent link)" });
        continue;
      }
      if (this.stepByStep && !first) await new Promise<void>((resolve) => (this.gate = resolve));
      first = false;
      onEvent({ type: "started", step });
      this.troubleAt(step, onEvent);
      if (step === "verify" && this.opts.slowSecret && !this.stoppedOnce) await this.waitUntilStopped(step, onEvent);
      onEvent({ type: "done", step, data, summary });
      this.stepsDone += 1;
    }
    return {
      tenantId: ids.tenantId,
      applicationId: ids.appId,
      objectId: ids.objectId,
      clientSecret: null,
      secretHint: "Xy7",
      secretKeyId: KEY_ID,
      secretExpires: "2026-12-05T09:00:00Z",
      deadline: ids.deadline,
      verified: !handOffNow,
      adminConsentUrl: handOffNow ? consentUrl : null,
    };
  }

  /** What goes wrong at a step: the failure asked for, and the service principal's replication retry. */
  private troubleAt(step: Step, onEvent: EventHandler): void {
    if (this.opts.failAt?.step === step) {
      onEvent({ type: "failed", step, error: this.opts.failAt.error });
      throw this.opts.failAt.error;
    }
    if (step === "createServicePrincipal") {
      onEvent({
        type: "retrying",
        step,
        reason: "replication",
        attempt: 1,
        delaySeconds: 4,
        waitedSeconds: 0.4,
        error: { status: 400, code: "Request_BadRequest", message: "NoBackingApplicationObject", requestId: "req-1" },
      });
    }
  }

  /** `slowSecret`: Microsoft calls the new secret expired until the user stops the run. */
  private async waitUntilStopped(step: Step, onEvent: EventHandler): Promise<never> {
    const expired = "AADSTS7000222: The provided client secret keys for app '11111111-2222-3333-4444-555555555555' are expired.";
    onEvent({ type: "retrying", step, reason: "secretNotReady", attempt: 31, delaySeconds: 4, waitedSeconds: 75, error: { status: 401, code: "invalid_client", message: expired, requestId: null } });
    onEvent({ type: "waiting", step, reason: "secretNotReady", seconds: 4 });
    await new Promise<void>((resolve) => (this.stop = resolve));
    this.stoppedOnce = true;
    const error: ErrorInfo = {
      code: "interrupted",
      message: "interrupted at you stopped it to continue later",
      remedy: "The run was interrupted. Start it again: it resumes where it stopped.",
      requestId: null,
    };
    throw error;
  }

  async proceed() {
    this.proceedCount += 1;
    const g = this.gate;
    this.gate = null;
    g?.();
  }

  async revealSecret() {
    this.calls.push("revealSecret");
    return SECRET;
  }

  async copySecret(withIds: boolean): Promise<Copied> {
    this.calls.push(`copySecret withIds=${withIds}`);
    return { clearAfterSeconds: 30 };
  }

  async copyText(text: string) {
    this.copied.push(text);
  }

  async openUrl(url: string) {
    this.calls.push(`openUrl ${url}`);
  }

  async cleanup(purge: boolean): Promise<CleanupReport> {
    this.calls.push(`cleanup purge=${purge}`);
    return { objectId: OBJECT_ID, deleted: true, purged: purge, keychainForgotten: true };
  }

  async forgetSecrets() {
    this.calls.push("forgetSecrets");
  }

  async signOut() {
    this.calls.push("signOut");
  }

  async diagnostics(): Promise<Diagnostics> {
    this.calls.push("diagnostics");
    return {
      appVersion: "0.1.0",
      os: "linux x86_64",
      logFolder: "/home/ada/.local/share/pmpc-recovery/logs",
      logTail: [
        "2026-11-28T09:00:00Z  INFO pmpc_recovery_wizard_lib: PMPC Recovery Wizard started",
        "2026-11-28T09:00:05Z  INFO recovery::http: retrying op=CreateServicePrincipal attempt=2 request-id=req-1",
      ],
    };
  }

  async openLogFolder() {
    this.calls.push("openLogFolder");
  }

  async saveReceipt() {
    this.calls.push("saveReceipt");
    return this.opts.cancelSave ? null : "/home/ada/Documents/PMPC Recovery receipt - Contoso - 2026-11-28.html";
  }

  async saveCalendar() {
    this.calls.push("saveCalendar");
    return this.opts.cancelSave ? null : "/home/ada/Documents/PMPC Recovery deadline - Contoso - 2026-11-28.ics";
  }

  async runs() {
    this.calls.push("runs");
    await later(this.opts.runsDelayMs);
    return structuredClone(this.runList);
  }

  async revealRunSecret(tenantId: string, runId: string) {
    this.calls.push(`revealRunSecret ${tenantId}`);
    return this.secretOf(tenantId, runId);
  }

  async copyRunSecret(tenantId: string, runId: string, withIds: boolean): Promise<Copied> {
    this.calls.push(`copyRunSecret ${tenantId} withIds=${withIds}`);
    this.secretOf(tenantId, runId);
    return { clearAfterSeconds: 30 };
  }

  async forgetRun(tenantId: string, runId: string) {
    this.calls.push(`forgetRun ${tenantId}`);
    const before = this.runList.length;
    this.runList = this.runList.filter((r) => !(r.journal.tenantId === tenantId && r.journal.runId === runId));
    return this.runList.length < before;
  }

  async saveRunReceipt(tenantId: string, runId: string) {
    this.calls.push(`saveRunReceipt ${tenantId}`);
    const run = this.runOf(tenantId, runId);
    return this.opts.cancelSave ? null : `/home/ada/Documents/PMPC Recovery receipt - ${run.tenantName ?? tenantId} - 2026-11-28.html`;
  }

  async deleteRun(tenantId: string, runId: string, purge: boolean, options: StartOptions, onEvent: EventHandler): Promise<CleanupReport> {
    this.calls.push(`deleteRun ${tenantId} purge=${purge}`);
    this.signIns.push({ ...options });
    const run = this.runOf(tenantId, runId);
    onEvent({ type: "started", step: "signIn" });
    onEvent({ type: "signInUrl", url: SIGN_IN_URL.replace("/organizations/", `/${tenantId}/`) });
    if (this.opts.deleteWaitsForBrowser) await this.waitForCancel(onEvent);
    onEvent(signInDone({ ...session(), tenantId }));
    onEvent({ type: "started", step: "cleanup" });
    if (this.opts.deleteError) {
      onEvent({ type: "failed", step: "cleanup", error: this.opts.deleteError });
      throw this.opts.deleteError;
    }
    const data: StepData = { kind: "cleanedUp", deleted: true, purged: purge, keychainForgotten: run.secretInKeychain };
    onEvent({ type: "done", step: "cleanup", data, summary: cleanedUp(purge, run.secretInKeychain) });
    this.runList = this.runList.map((r) =>
      r === run ? { ...r, state: { kind: "cleanedUp" }, secretInKeychain: false, complete: false, expired: false } : r,
    );
    return { objectId: run.journal.app?.objectId ?? "", deleted: true, purged: purge, keychainForgotten: run.secretInKeychain };
  }
}

// Test data: each `summary` is the sentence the core's `StepData::summary` makes of that data.

/** The steps of a run, what each reports when done, and the core's words for it, for the app `ids`. */
function runSteps(ids: AppIds, existing: Precheck["existing"]): [Step, StepData, string][] {
  const appRoleId = "b0afded3-3588-46d8-8b3d-9842eff778da";
  return [
    ["findExisting", { kind: "existing", apps: existing }, existing.length === 0 ? "No app with this name existed" : `${existing.length} app(s) with this name existed already`],
    ["createApp", { kind: "app", app: ids, reused: false }, `Created the app registration: object id ${ids.objectId}, application (client) id ${ids.appId}`],
    [
      "configurePermission",
      { kind: "permission", resourceAppId: "00000003-0000-0000-c000-000000000000", appRoleId, permission: "AuditLog.Read.All" },
      `The app asks for Microsoft Graph AuditLog.Read.All (application permission, app role id ${appRoleId})`,
    ],
    ["createServicePrincipal", { kind: "servicePrincipal", id: SP_ID }, `Created the enterprise app (service principal): object id ${SP_ID}`],
    ["grantConsent", { kind: "consent", assignmentId: ASSIGNMENT_ID }, `Granted admin consent: app role assignment ${ASSIGNMENT_ID}`],
    ["confirmConsent", { kind: "consentConfirmed", granted: true }, "The grant reads back as granted (the portal's green tick)"],
    [
      "createSecret",
      { kind: "secret", keyId: KEY_ID, hint: "Xy7", endDateTime: "2026-12-05T09:00:00Z" },
      `Created a client secret: key id ${KEY_ID}, starts with Xy7…, expires 2026-12-05 09:00:00 UTC`,
    ],
    ["storeSecret", { kind: "secretStored", keyId: KEY_ID }, `Kept the secret (key id ${KEY_ID}) in this computer's keychain`],
    ["verify", { kind: "verified", roles: ["AuditLog.Read.All"], deadline: ids.deadline }, "Signed in as the app with the new secret: its token carries AuditLog.Read.All"],
  ];
}

/** The sign-in's event. */
function signInDone(s: ReturnType<typeof session>): Event {
  return { type: "done", step: "signIn", data: { kind: "signedIn", session: s }, summary: `Signed in as ${s.userPrincipalName} (object id ${s.userId})` };
}

/** A deletion's words: the app registration deleted (a fake deletion always finds it), then what else went. */
function cleanedUp(purged: boolean, keychainForgotten: boolean): string {
  const parts = ["Deleted the app registration (restorable from deleted items for 30 days)"];
  if (purged) parts.push("purged it from deleted items");
  if (keychainForgotten) parts.push("removed the secret from this computer's keychain");
  return parts.join("; ");
}

function session(guest = false) {
  return {
    // A guest's name in the tenant it was invited into (B2B): its own address, "#EXT#", the tenant's domain.
    userPrincipalName: guest ? "ada_fabrikam-it.com#EXT#@contoso.onmicrosoft.com" : "admin@contoso.onmicrosoft.com",
    displayName: "Ada Admin",
    userId: USER_ID,
    tenantId: TENANT_ID,
    guest,
    remembered: false,
  };
}
