// A scripted Backend for component tests: plays a whole run's events without any shell.
import type { Backend, EventHandler } from "./types";
import type { PlanInfo } from "../bindings/PlanInfo";
import type { StartOptions } from "../bindings/StartOptions";
import plan from "../bindings/plan.json";
import type { Credentials } from "../bindings/Credentials";
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
  /** Signed in as a guest of the tenant (an account from another organization). */
  guest?: boolean;
  /** The user cancels the save dialog. */
  cancelSave?: boolean;
}

/** Records what the UI asked for, so tests can assert on it. */
export interface FakeBackend extends Backend {
  calls: string[];
  /** The options of each sign-in, as the UI sent them. */
  signIns: StartOptions[];
  copied: string[];
  proceedCount: number;
  /** Steps the run has finished so far. */
  stepsDone: number;
}

export function fakeBackend(opts: FakeOptions = {}): FakeBackend {
  let gate: (() => void) | null = null;
  let stepByStep = false;
  // The first hand-off run leaves consent to another admin; by the next run they have granted it.
  let handedOff = false;
  let cancel: (() => void) | null = null;

  const fake: FakeBackend = {
    calls: [],
    signIns: [],
    copied: [],
    proceedCount: 0,
    stepsDone: 0,
    async plan(): Promise<PlanInfo> {
      fake.calls.push("plan");
      return PLAN;
    },
    async status() {
      return opts.earlier ?? null;
    },
    async signIn(options: StartOptions, onEvent: EventHandler): Promise<Precheck> {
      fake.calls.push(`signIn practice=${options.practice}`);
      fake.signIns.push({ ...options });
      stepByStep = options.stepByStep;
      onEvent({ type: "started", step: "signIn" });
      onEvent({ type: "signInUrl", url: SIGN_IN_URL });
      if (opts.signInError) throw opts.signInError;
      if (opts.waitForBrowser) {
        // As the engine does, practice or not: the sign-in waits for the browser (practice: its own HTTP client).
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
      }
      onEvent({ type: "done", step: "signIn", data: { kind: "signedIn", session: session(opts.guest) } });
      return {
        session: session(opts.guest),
        tenant: { tenantId: TENANT_ID, displayName: "Contoso", defaultDomain: "contoso.onmicrosoft.com" },
        roles: opts.roles ?? FULL_ROLES,
        existing: opts.existing ?? [],
        graphServicePrincipalId: "graph-sp",
        appRoleId: "b0afded3-3588-46d8-8b3d-9842eff778da",
        resume: null,
      };
    },
    async cancelSignIn() {
      fake.calls.push("cancelSignIn");
      cancel?.();
    },
    async run(choice: RunChoice, onEvent: EventHandler): Promise<Credentials> {
      fake.calls.push(`run ${JSON.stringify(choice)}`);
      const steps: [Step, StepData][] = [
        ["findExisting", { kind: "existing", apps: opts.existing ?? [] }],
        ["createApp", { kind: "app", app: { tenantId: TENANT_ID, appId: APP_ID, objectId: OBJECT_ID, createdDateTime: CREATED, deadline: DEADLINE }, reused: false }],
        ["configurePermission", { kind: "permission", resourceAppId: "00000003-0000-0000-c000-000000000000", appRoleId: "b0afded3-3588-46d8-8b3d-9842eff778da", permission: "AuditLog.Read.All" }],
        ["createServicePrincipal", { kind: "servicePrincipal", id: "sp-1" }],
        ["grantConsent", { kind: "consent", assignmentId: "as-1" }],
        ["confirmConsent", { kind: "consentConfirmed", granted: true }],
        ["createSecret", { kind: "secret", keyId: "key-1", hint: "Xy7", endDateTime: "2026-12-05T09:00:00Z" }],
        ["storeSecret", { kind: "secretStored", keyId: "key-1" }],
        ["verify", { kind: "verified", roles: ["AuditLog.Read.All"], deadline: DEADLINE }],
      ];
      const handOffNow = choice.consent === "handOff" && !handedOff;
      handedOff ||= handOffNow;
      const consentUrl = `https://login.microsoftonline.com/${TENANT_ID}/adminconsent?client_id=${APP_ID}`;
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
            error: { status: 400, code: "Request_BadRequest", message: "NoBackingApplicationObject", requestId: "req-1" },
          });
        }
        onEvent({ type: "done", step, data });
        fake.stepsDone += 1;
      }
      return {
        tenantId: TENANT_ID,
        applicationId: APP_ID,
        objectId: OBJECT_ID,
        clientSecret: null,
        secretHint: "Xy7",
        secretKeyId: "key-1",
        secretExpires: "2026-12-05T09:00:00Z",
        deadline: "2026-12-01T09:00:00Z",
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
