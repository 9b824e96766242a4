// A scripted Backend for component tests: plays a whole run's events without any shell.
import type { Backend, EventHandler } from "./types";
import type { PlanInfo } from "../bindings/PlanInfo";
import type { StartOptions } from "../bindings/StartOptions";
import plan from "../bindings/plan.json";
import type { Credentials } from "../bindings/Credentials";
import type { Journal } from "../bindings/Journal";
import type { ErrorInfo } from "../bindings/ErrorInfo";
import type { Precheck } from "../bindings/Precheck";
import type { RoleCheck } from "../bindings/RoleCheck";
import type { RunChoice } from "../bindings/RunChoice";
import type { RunStatus } from "../bindings/RunStatus";
import type { Step } from "../bindings/Step";
import type { StepData } from "../bindings/StepData";

export const TENANT_ID = "6babcaad-604b-40ac-a9d7-9fd97c0b779f";
export const APP_ID = "2d1e4d4b-8f8a-4b8e-9d0d-6c0f3a7f9e11";
export const OBJECT_ID = "0b0c7bd4-5a35-4b1a-a2d4-1d3f0f5f2c22";
export const SECRET = "Xy7~fake-secret-value-for-tests-only";
const CREATED = "2026-11-28T09:00:00Z";
const DEADLINE = "2026-12-01T09:00:00Z";

/** The second tenant of the Runs page. */
export const FABRIKAM_ID = "9c3f2a1e-7b5d-4e8f-a1c2-3d4e5f6a7b8c";
const HOUR = 3600_000;

/** The journal of a run as the core writes it (defaults: a new run that created nothing yet). */
export function journal(j: Partial<Journal> & Pick<Journal, "tenantId" | "runId">): Journal {
  return {
    version: 1,
    appName: "PMPC Recovery",
    uniqueName: `pmpc-recovery-${j.runId}`,
    app: null,
    graphServicePrincipalId: "graph-sp",
    appRoleId: "b0afded3-3588-46d8-8b3d-9842eff778da",
    servicePrincipalId: null,
    assignmentId: null,
    consentHandedOff: false,
    consentRedirectRegistered: false,
    consentConfirmed: false,
    passwordPendingSince: null,
    password: null,
    verifiedAt: null,
    updated: new Date().toISOString(),
    activity: [],
    started: null,
    requestedTenant: null,
    label: null,
    consentProvedByToken: false,
    upsertRefused: false,
    appCreateSent: null,
    ...j,
  };
}

/** A run as `runs` lists it: `journal` with what the core reads from it and the keychain. */
export function runStatus(j: Journal, s: Partial<Omit<RunStatus, "journal">> = {}): RunStatus {
  const created = j.app?.createdDateTime;
  return {
    journal: j,
    deadline: created ? new Date(Date.parse(created) + 72 * HOUR).toISOString() : null,
    secretInKeychain: false,
    complete: false,
    doneSteps: [],
    state: { kind: "stopped", step: "signIn", portalStep: 1 },
    expired: false,
    started: j.started ?? created ?? j.updated,
    tenantName: null,
    defaultDomain: null,
    // The core's one rule (`Journal::tenant_label`): name, label, domain, id.
    tenantLabel: [s.tenantName, j.label, s.defaultDomain].find((n) => n?.trim()) ?? j.tenantId,
    ...s,
  };
}

const ALL_STEPS: Step[] = ["signIn", "readTenant", "findExisting", "createApp", "configurePermission", "createServicePrincipal", "grantConsent", "confirmConsent", "createSecret", "storeSecret", "verify"];

/** Each run's secret in the fake keychain. */
export const RUN_SECRETS: Record<string, string> = {
  [TENANT_ID]: SECRET,
  "4f1d2c3b-0a9e-4d8c-b7a6-5e4f3d2c1b0a": "Nw5~northwind-fake-secret-for-tests",
};

/**
 * The runs on the fake computer, relative to `now`: Contoso verified (about 2 days left) and
 * Fabrikam failed at step 13 and past its deadline; with `many`, also Northwind waiting for an
 * administrator's consent (11 hours left) and Tailspin, cleaned up.
 */
export function fakeRuns(now = Date.now(), many = false): RunStatus[] {
  const at = (hoursAgo: number) => new Date(now - hoursAgo * HOUR).toISOString();
  const signedIn = (tenantId: string, tenantName: string, domain: string, hoursAgo: number) => ({
    kind: "signedIn" as const,
    at: at(hoursAgo),
    userPrincipalName: `admin@${domain}`,
    displayName: "Ada Admin",
    userId: "user-1",
    guest: false,
    tenantId,
    tenantName,
    defaultDomain: domain,
    cloud: "global" as const,
  });
  const contoso = runStatus(
    journal({
      tenantId: TENANT_ID,
      runId: "run-contoso",
      app: { objectId: OBJECT_ID, appId: APP_ID, createdDateTime: at(22.24), reused: false },
      servicePrincipalId: "sp-1",
      assignmentId: "as-1",
      consentConfirmed: true,
      password: { keyId: "key-1", hint: "Xy7", endDateTime: at(-24 * 7), stored: true },
      verifiedAt: at(22.2),
      updated: at(22.2),
      started: at(22.25),
      activity: [signedIn(TENANT_ID, "Contoso", "contoso.onmicrosoft.com", 22.25)],
    }),
    {
      secretInKeychain: true,
      complete: true,
      doneSteps: ALL_STEPS,
      state: { kind: "verified" },
      tenantName: "Contoso",
      defaultDomain: "contoso.onmicrosoft.com",
    },
  );
  const fabrikam = runStatus(
    journal({
      tenantId: FABRIKAM_ID,
      runId: "run-fabrikam",
      app: { objectId: "5e6f7a8b-1c2d-4e3f-9a0b-c1d2e3f4a5b6", appId: "7a8b9c0d-2e3f-4a5b-8c6d-e7f8a9b0c1d2", createdDateTime: at(75), reused: false },
      servicePrincipalId: "sp-2",
      assignmentId: "as-2",
      consentConfirmed: true,
      updated: at(75),
      started: at(75.02),
      requestedTenant: "fabrikam.com",
      activity: [signedIn(FABRIKAM_ID, "Fabrikam", "fabrikam.onmicrosoft.com", 75.02)],
    }),
    {
      doneSteps: ["signIn", "readTenant", "findExisting", "createApp", "configurePermission", "createServicePrincipal", "grantConsent", "confirmConsent"],
      state: {
        kind: "failed",
        step: "createSecret",
        portalStep: 13,
        errorCode: "secretPolicyBlocked",
        remedy:
          "Your tenant's app management policy does not allow client secrets for this app. An administrator must allow password credentials (Entra ID > App registrations policies) or exempt this app.",
      },
      expired: true,
      tenantName: "Fabrikam",
      defaultDomain: "fabrikam.onmicrosoft.com",
    },
  );
  if (!many) return [contoso, fabrikam];
  const northwindId = "4f1d2c3b-0a9e-4d8c-b7a6-5e4f3d2c1b0a";
  const northwind = runStatus(
    journal({
      tenantId: northwindId,
      runId: "run-northwind",
      app: { objectId: "c3d4e5f6-0a1b-4c2d-8e3f-a4b5c6d7e8f9", appId: "e5f6a7b8-2c3d-4e4f-9a5b-c6d7e8f9a0b1", createdDateTime: at(61), reused: false },
      servicePrincipalId: "sp-3",
      consentHandedOff: true,
      consentRedirectRegistered: true,
      password: { keyId: "key-3", hint: "Nw5", endDateTime: at(-24 * 5), stored: true },
      updated: at(61),
      started: at(61.02),
      label: "Northwind (main office)",
      activity: [signedIn(northwindId, "Northwind Traders", "northwindtraders.onmicrosoft.com", 61.02)],
    }),
    {
      secretInKeychain: true,
      doneSteps: ["signIn", "readTenant", "findExisting", "createApp", "configurePermission", "createServicePrincipal", "createSecret", "storeSecret"],
      state: { kind: "waitingForConsent" },
      tenantName: "Northwind Traders",
      defaultDomain: "northwindtraders.onmicrosoft.com",
    },
  );
  const tailspinId = "0d9c8b7a-6f5e-4d3c-a2b1-0f9e8d7c6b5a";
  const tailspin = runStatus(
    journal({
      tenantId: tailspinId,
      runId: "run-tailspin",
      app: { objectId: "a1b2c3d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d", appId: "b2c3d4e5-6f7a-4b8c-9d0e-1f2a3b4c5d6e", createdDateTime: at(24 * 12), reused: false },
      verifiedAt: at(24 * 12),
      updated: at(24 * 9),
      started: at(24 * 12 + 0.02),
      activity: [signedIn(tailspinId, "Tailspin Toys", "tailspintoys.onmicrosoft.com", 24 * 12 + 0.02)],
    }),
    { state: { kind: "cleanedUp" }, tenantName: "Tailspin Toys", defaultDomain: "tailspintoys.onmicrosoft.com" },
  );
  return [contoso, northwind, fabrikam, tailspin];
}

/**
 * `count` runs for the Runs page at scale (an IT partner's customers): `fakeRuns(now, true)` first,
 * then more tenants, one every 5 hours back, in turn ready, waiting for consent, failed at step 13
 * and stopped before step 3.
 */
export function fakeRunsAtScale(count: number, now = Date.now()): RunStatus[] {
  const base = fakeRuns(now, true);
  const runs = base.slice(0, count);
  const names = ["Adatum", "Alpine Ski House", "Bellows College", "Best For You Organics", "Coho Winery", "Contoso Pharmaceuticals", "Fourth Coffee", "Graphic Design Institute", "Humongous Insurance", "Litware", "Lucerne Publishing", "Margie's Travel", "Proseware", "Relecloud", "School of Fine Art", "Southridge Video", "Trey Research", "VanArsdel", "Wide World Importers", "Woodgrove Bank", "World Wide Importers"];
  for (let i = runs.length; i < count; i++) {
    const name = names[(i - base.length) % names.length];
    const domain = `${name.toLowerCase().replace(/[^a-z]/g, "")}.onmicrosoft.com`;
    const hoursAgo = 2.5 + 5 * (i - base.length);
    const at = (h: number) => new Date(now - h * HOUR).toISOString();
    const hex = (n: number) => n.toString(16).padStart(12, "0");
    const tenantId = `${hex(i).slice(0, 8)}-1111-4111-8111-${hex(i * 7919)}`;
    const kind = (["verified", "waitingForConsent", "failed", "stopped"] as const)[(i - base.length) % 4];
    const app = kind === "stopped" ? null : { objectId: `a0000000-0000-4000-8000-${hex(i)}`, appId: `b0000000-0000-4000-8000-${hex(i)}`, createdDateTime: at(hoursAgo), reused: false };
    const state: RunStatus["state"] =
      kind === "failed"
        ? { kind, step: "createSecret", portalStep: 13, errorCode: "secretPolicyBlocked", remedy: "An administrator must allow client secrets for this app." }
        : kind === "stopped"
          ? { kind, step: "createApp", portalStep: 3 }
          : { kind };
    runs.push(
      runStatus(
        journal({ tenantId, runId: `run-${i}`, app, started: at(hoursAgo + 0.02), updated: at(hoursAgo), verifiedAt: kind === "verified" ? at(hoursAgo) : null }),
        { state, complete: kind === "verified", expired: app !== null && hoursAgo >= 72, tenantName: name, defaultDomain: domain },
      ),
    );
  }
  return runs;
}

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
  let gate: (() => void) | null = null;
  let stepByStep = false;
  // The first hand-off run leaves consent to another admin; by the next run they have granted it.
  let handedOff = false;
  let cancel: (() => void) | null = null;
  let stop: (() => void) | null = null;
  let stoppedOnce = false;
  /** The tenant and app of the current sign-in: a run's own when the sign-in was pinned to it. */
  let signedIn: { tenant: Precheck["tenant"]; resume: Journal | null } | null = null;
  const runOf = (tenantId: string, runId: string) => {
    const run = fake.runList.find((r) => r.journal.tenantId === tenantId && r.journal.runId === runId);
    if (!run) throw { code: "invalidInput", message: "This run is no longer recorded on this computer.", remedy: "Open the Runs page again.", requestId: null };
    return run;
  };
  const secretOf = (tenantId: string, runId: string) => {
    const run = runOf(tenantId, runId);
    const secret = RUN_SECRETS[tenantId];
    if (!run.secretInKeychain || run.state.kind === "cleanedUp" || !secret) {
      throw { code: "secretMissing", message: "The client secret is no longer stored on this computer.", remedy: "Run the wizard again to make a new secret.", requestId: null };
    }
    return secret;
  };
  const waitForCancel = async (onEvent: EventHandler) => {
    onEvent({ type: "waiting", step: "signIn", reason: "browserSignIn", seconds: 0 });
    await new Promise<void>((resolve) => (cancel = resolve));
    const error: ErrorInfo = {
      code: "signInCancelled",
      message: "Sign-in was cancelled (you cancelled it in the wizard).",
      remedy: "Sign-in was cancelled. Start again and finish signing in in the browser.",
      requestId: null,
    };
    onEvent({ type: "failed", step: "signIn", error });
    throw error;
  };

  const fake: FakeBackend = {
    calls: [],
    signIns: [],
    copied: [],
    proceedCount: 0,
    stepsDone: 0,
    runList: opts.runs ?? (opts.runCount ? fakeRunsAtScale(opts.runCount) : fakeRuns(Date.now(), opts.manyRuns)),
    async plan(): Promise<PlanInfo> {
      fake.calls.push("plan");
      return PLAN;
    },
    async status() {
      await later(opts.statusDelayMs);
      return opts.earlier ?? (opts.earlierRun ? structuredClone(fake.runList[0]) : null);
    },
    async signIn(options: StartOptions, onEvent: EventHandler): Promise<Precheck> {
      fake.calls.push(`signIn practice=${options.practice}`);
      fake.signIns.push({ ...options });
      stepByStep = options.stepByStep;
      onEvent({ type: "started", step: "signIn" });
      onEvent({ type: "signInUrl", url: SIGN_IN_URL });
      if (opts.signInError) throw opts.signInError;
      if (opts.waitForBrowser) await waitForCancel(onEvent);
      onEvent({ type: "done", step: "signIn", data: { kind: "signedIn", session: session(opts.guest) } });
      // Pinned to a tenant with a run on this computer: that tenant, and its run to resume.
      const pinned = options.practice ? undefined : fake.runList.find((r) => r.journal.tenantId === options.tenant && r.state.kind !== "cleanedUp");
      signedIn = {
        tenant: pinned
          ? { tenantId: pinned.journal.tenantId, displayName: pinned.tenantName ?? "", defaultDomain: pinned.defaultDomain }
          : { tenantId: TENANT_ID, displayName: "Contoso", defaultDomain: "contoso.onmicrosoft.com" },
        resume: pinned?.journal ?? null,
      };
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
    },
    async cancelSignIn() {
      fake.calls.push("cancelSignIn");
      cancel?.();
    },
    async stopRun() {
      fake.calls.push("stopRun");
      stop?.();
    },
    async run(choice: RunChoice, onEvent: EventHandler): Promise<Credentials> {
      fake.calls.push(`run ${JSON.stringify(choice)}`);
      const tenantId = signedIn?.tenant.tenantId ?? TENANT_ID;
      const resumed = signedIn?.resume?.app;
      const ids = resumed
        ? { tenantId, appId: resumed.appId, objectId: resumed.objectId, createdDateTime: resumed.createdDateTime, deadline: new Date(Date.parse(resumed.createdDateTime) + 72 * HOUR).toISOString() }
        : { tenantId, appId: APP_ID, objectId: OBJECT_ID, createdDateTime: CREATED, deadline: DEADLINE };
      const steps: [Step, StepData][] = [
        ["findExisting", { kind: "existing", apps: opts.existing ?? [] }],
        ["createApp", { kind: "app", app: ids, reused: false }],
        ["configurePermission", { kind: "permission", resourceAppId: "00000003-0000-0000-c000-000000000000", appRoleId: "b0afded3-3588-46d8-8b3d-9842eff778da", permission: "AuditLog.Read.All" }],
        ["createServicePrincipal", { kind: "servicePrincipal", id: "sp-1" }],
        ["grantConsent", { kind: "consent", assignmentId: "as-1" }],
        ["confirmConsent", { kind: "consentConfirmed", granted: true }],
        ["createSecret", { kind: "secret", keyId: "key-1", hint: "Xy7", endDateTime: "2026-12-05T09:00:00Z" }],
        ["storeSecret", { kind: "secretStored", keyId: "key-1" }],
        ["verify", { kind: "verified", roles: ["AuditLog.Read.All"], deadline: ids.deadline }],
      ];
      const handOffNow = choice.consent === "handOff" && !handedOff;
      handedOff ||= handOffNow;
      const consentUrl = `https://login.microsoftonline.com/${tenantId}/adminconsent?client_id=${ids.appId}`;
      let first = true;
      for (const [step, data] of steps) {
        if (handOffNow && (step === "confirmConsent" || step === "verify")) continue;
        if (handOffNow && step === "grantConsent") {
          onEvent({ type: "done", step, data: { kind: "consentHandedOff", adminConsentUrl: consentUrl } });
          continue;
        }
        if (stepByStep && !first) await new Promise<void>((resolve) => (gate = resolve));
        first = false;
        onEvent({ type: "started", step });
        if (opts.failAt?.step === step) {
          onEvent({ type: "failed", step, error: opts.failAt.error });
          throw opts.failAt.error;
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
        if (step === "verify" && opts.slowSecret && !stoppedOnce) {
          const expired = "AADSTS7000222: The provided client secret keys for app '11111111-2222-3333-4444-555555555555' are expired.";
          onEvent({ type: "retrying", step, reason: "secretNotReady", attempt: 31, delaySeconds: 4, waitedSeconds: 75, error: { status: 401, code: "invalid_client", message: expired, requestId: null } });
          onEvent({ type: "waiting", step, reason: "secretNotReady", seconds: 4 });
          await new Promise<void>((resolve) => (stop = resolve));
          stoppedOnce = true;
          const error: ErrorInfo = {
            code: "interrupted",
            message: "interrupted at you stopped it to continue later",
            remedy: "The run was interrupted. Start it again: it resumes where it stopped.",
            requestId: null,
          };
          throw error;
        }
        onEvent({ type: "done", step, data });
        fake.stepsDone += 1;
      }
      return {
        tenantId,
        applicationId: ids.appId,
        objectId: ids.objectId,
        clientSecret: null,
        secretHint: "Xy7",
        secretKeyId: "key-1",
        secretExpires: "2026-12-05T09:00:00Z",
        deadline: ids.deadline,
        verified: !handOffNow,
        adminConsentUrl: handOffNow ? consentUrl : null,
      };
    },
    async proceed() {
      fake.proceedCount += 1;
      const g = gate;
      gate = null;
      g?.();
    },
    async revealSecret() {
      fake.calls.push("revealSecret");
      return SECRET;
    },
    async copySecret(withIds: boolean) {
      fake.calls.push(`copySecret withIds=${withIds}`);
      return { clearAfterSeconds: 30 };
    },
    async copyText(text: string) {
      fake.copied.push(text);
    },
    async openUrl(url: string) {
      fake.calls.push(`openUrl ${url}`);
    },
    async cleanup(purge: boolean) {
      fake.calls.push(`cleanup purge=${purge}`);
      return { objectId: OBJECT_ID, deleted: true, purged: purge, keychainForgotten: true };
    },
    async forgetSecrets() {
      fake.calls.push("forgetSecrets");
    },
    async signOut() {
      fake.calls.push("signOut");
    },
    async diagnostics() {
      fake.calls.push("diagnostics");
      return {
        appVersion: "0.1.0",
        os: "linux x86_64",
        logFolder: "/home/ada/.local/share/pmpc-recovery/logs",
        logTail: [
          "2026-11-28T09:00:00Z  INFO pmpc_recovery_wizard_lib: PMPC Recovery Wizard started",
          "2026-11-28T09:00:05Z  INFO recovery::http: retrying op=CreateServicePrincipal attempt=2 request-id=req-1",
        ],
      };
    },
    async openLogFolder() {
      fake.calls.push("openLogFolder");
    },
    async saveReceipt() {
      fake.calls.push("saveReceipt");
      return opts.cancelSave ? null : "/home/ada/Documents/PMPC Recovery receipt - Contoso - 2026-11-28.html";
    },
    async saveCalendar() {
      fake.calls.push("saveCalendar");
      return opts.cancelSave ? null : "/home/ada/Documents/PMPC Recovery deadline - Contoso - 2026-11-28.ics";
    },
    async runs() {
      fake.calls.push("runs");
      await later(opts.runsDelayMs);
      return structuredClone(fake.runList);
    },
    async revealRunSecret(tenantId: string, runId: string) {
      fake.calls.push(`revealRunSecret ${tenantId}`);
      return secretOf(tenantId, runId);
    },
    async copyRunSecret(tenantId: string, runId: string, withIds: boolean) {
      fake.calls.push(`copyRunSecret ${tenantId} withIds=${withIds}`);
      secretOf(tenantId, runId);
      return { clearAfterSeconds: 30 };
    },
    async forgetRun(tenantId: string, runId: string) {
      fake.calls.push(`forgetRun ${tenantId}`);
      const before = fake.runList.length;
      fake.runList = fake.runList.filter((r) => !(r.journal.tenantId === tenantId && r.journal.runId === runId));
      return fake.runList.length < before;
    },
    async saveRunReceipt(tenantId: string, runId: string) {
      fake.calls.push(`saveRunReceipt ${tenantId}`);
      const run = runOf(tenantId, runId);
      return opts.cancelSave ? null : `/home/ada/Documents/PMPC Recovery receipt - ${run.tenantName ?? tenantId} - 2026-11-28.html`;
    },
    async deleteRun(tenantId: string, runId: string, purge: boolean, options: StartOptions, onEvent: EventHandler) {
      fake.calls.push(`deleteRun ${tenantId} purge=${purge}`);
      fake.signIns.push({ ...options });
      const run = runOf(tenantId, runId);
      onEvent({ type: "started", step: "signIn" });
      onEvent({ type: "signInUrl", url: SIGN_IN_URL.replace("/organizations/", `/${tenantId}/`) });
      if (opts.deleteWaitsForBrowser) await waitForCancel(onEvent);
      onEvent({ type: "done", step: "signIn", data: { kind: "signedIn", session: { ...session(), tenantId } } });
      onEvent({ type: "started", step: "cleanup" });
      if (opts.deleteError) {
        onEvent({ type: "failed", step: "cleanup", error: opts.deleteError });
        throw opts.deleteError;
      }
      const data: StepData = { kind: "cleanedUp", deleted: true, purged: purge, keychainForgotten: run.secretInKeychain };
      onEvent({ type: "done", step: "cleanup", data });
      fake.runList = fake.runList.map((r) =>
        r === run ? { ...r, state: { kind: "cleanedUp" }, secretInKeychain: false, complete: false, expired: false } : r,
      );
      return { objectId: run.journal.app?.objectId ?? "", deleted: true, purged: purge, keychainForgotten: run.secretInKeychain };
    },
  };
  return fake;
}

function session(guest = false) {
  return {
    // A guest's name in the tenant it was invited into (B2B): its own address, "#EXT#", the tenant's domain.
    userPrincipalName: guest ? "ada_fabrikam-it.com#EXT#@contoso.onmicrosoft.com" : "admin@contoso.onmicrosoft.com",
    displayName: "Ada Admin",
    userId: "user-1",
    tenantId: TENANT_ID,
    guest,
    remembered: false,
  };
}
