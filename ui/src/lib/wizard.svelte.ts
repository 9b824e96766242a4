// The wizard's state: which page is shown, what the engine reported for each of the 16 steps, and
// the actions behind the buttons. Pages read it; only the actions here call the backend.
import type { AppIds } from "./bindings/AppIds";
import type { Cloud } from "./bindings/Cloud";
import type { Credentials } from "./bindings/Credentials";
import type { ErrorInfo } from "./bindings/ErrorInfo";
import type { Event } from "./bindings/Event";
import type { PlanStep } from "./bindings/PlanStep";
import type { Precheck } from "./bindings/Precheck";
import type { RunStatus } from "./bindings/RunStatus";
import type { Step } from "./bindings/Step";
import type { AppChoice } from "./bindings/AppChoice";
import type { ConsentPlan } from "./bindings/ConsentPlan";
import type { Diagnostics } from "./bindings/Diagnostics";
import type { Backend } from "./backend/types";
import { CLOUDS, retryText, summary, waitText } from "./text";

export type Mode = "automatic" | "stepByStep";
export type PageState = "pending" | "active" | "waiting" | "done" | "failed";
export interface PageStatus {
  state: PageState;
  note: string | null;
  /** When a wait ends (ms since epoch), for a live "retrying in 4 s". */
  until: number | null;
}
export type Phase =
  | "welcome"
  | "signingIn"
  | "confirmTenant"
  | "chooseApp"
  | "running"
  | "finished"
  | "failed";
export interface Failure {
  info: ErrorInfo;
  step: Step | null;
  at: Date;
}

/** The page after the 16 steps. */
export const FINISH = 17;
/** The page before them. */
export const WELCOME = 0;

const pending = (): PageStatus => ({ state: "pending", note: null, until: null });

/** The GUID form the portal shows an Application (client) ID in. */
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * What the user typed as the tenant, as the engine wants it: trimmed, and an email address
 * (ada@contoso.com) turned into its domain (contoso.com), which Microsoft accepts as a tenant.
 */
export function tenantFromInput(value: string): string {
  const v = value.trim();
  const at = v.lastIndexOf("@");
  return at >= 0 && at < v.length - 1 ? v.slice(at + 1) : v;
}

/**
 * Why the engine would refuse this tenant (`Config::validate`), in words; null when it is fine.
 * Empty is fine unless the user names their own sign-in app: a single-tenant app cannot sign in
 * at `organizations` (AADSTS50194), so it needs the tenant it was registered in.
 */
export function tenantError(value: string, clientId = ""): string | null {
  const v = value.trim();
  if (v === "" && clientId.trim() !== "") {
    return "Your own sign-in app works only in the tenant it was registered in: enter that tenant's domain or Directory (tenant) ID here.";
  }
  if (v === "") return null;
  if (/[\/?#\s]/.test(v) || v.endsWith("@")) {
    return "Enter a domain such as contoso.com or contoso.onmicrosoft.com, or a tenant ID: no spaces, and no / ? or #. A web address does not work here.";
  }
  return null;
}

/** Why the engine would refuse this client ID (`Config::validate`: a GUID); null when it is fine or empty. */
export function clientIdError(value: string): string | null {
  const v = value.trim();
  if (v === "" || GUID.test(v)) return null;
  return "A client ID looks like 1a2b3c4d-0000-1111-2222-333344445555. Copy the Application (client) ID from your app's Overview page in the Microsoft Entra admin center.";
}

/** Reads an `ErrorInfo` out of whatever a backend call rejected with. */
export function toErrorInfo(err: unknown): ErrorInfo {
  if (err && typeof err === "object" && "code" in err && "remedy" in err) return err as ErrorInfo;
  return {
    code: "internal",
    message: err instanceof Error ? err.message : String(err),
    remedy: "Something unexpected went wrong. Try again, and contact support if it persists.",
    requestId: null,
  };
}

export class Wizard {
  readonly backend: Backend;

  steps: PlanStep[] = $state([]);
  pages: Partial<Record<Step, number[]>> = $state({});
  phase: Phase = $state("welcome");
  practice = $state(false);
  cloud: Cloud = $state("global");
  mode: Mode = $state("automatic");
  presenter = $state(false);
  deviceCode = $state(false);
  /** Options > Tenant: empty signs in to the account's own tenant ("organizations"). */
  tenant = $state("");
  /** Options > Sign-in app: empty uses Microsoft Graph Command Line Tools. */
  clientId = $state("");
  /** The Options section on Welcome is unfolded (the user opened it, or the wizard points there). */
  optionsOpen = $state(false);
  /** A sign-in was refused because of the options: show their errors even if untouched. */
  optionsChecked = $state(false);

  current = $state(WELCOME);
  /** The page follows the engine until the user looks back at another page. */
  following = $state(true);
  status: Record<number, PageStatus> = $state({});
  awaitingNext = $state(false);

  precheck: Precheck | null = $state(null);
  handOff = $state(false);
  app: AppIds | null = $state(null);
  consentUrl: string | null = $state(null);
  secret: { hint: string; endDateTime: string } | null = $state(null);
  verifiedRoles: string[] | null = $state(null);
  credentials: Credentials | null = $state(null);
  deadline: string | null = $state(null);
  signInUrl: string | null = $state(null);
  userCode: { code: string; uri: string } | null = $state(null);
  failure: Failure | null = $state(null);
  earlier: RunStatus | null = $state(null);
  cleanedUp = $state(false);
  busy = $state(false);
  now = $state(Date.now());

  /** A redacted trail of what happened, for "Copy diagnostics". Never holds a secret. */
  private trail: string[] = [];

  constructor(backend: Backend) {
    this.backend = backend;
    this.resetStatus();
  }

  get step(): PlanStep | undefined {
    return this.steps.find((s) => s.number === this.current);
  }

  /** The title of the first step not started yet, for step-by-step mode's Next button. */
  get nextTitle(): string | null {
    for (let n = 1; n <= 16; n++) {
      if (this.status[n].state === "pending") return this.steps.find((s) => s.number === n)?.title ?? null;
    }
    return null;
  }

  get portal(): string {
    return CLOUDS.find((c) => c.value === this.cloud)?.portal ?? "https://portal.azure.com";
  }

  async load(): Promise<void> {
    try {
      const info = await this.backend.plan();
      this.steps = info.steps;
      this.pages = info.pages;
    } catch (err) {
      this.fail(toErrorInfo(err), null);
      return;
    }
    try {
      this.earlier = await this.backend.status();
    } catch (err) {
      // Not fatal: a new run works without it, and tells the user if the keychain is the problem.
      this.note(`no earlier run: ${toErrorInfo(err).code}`);
    }
    const j = this.earlier?.journal;
    if (!j?.app) return;
    this.deadline = this.earlier?.deadline ?? null;
    this.app = { tenantId: j.tenantId, appId: j.app.appId, objectId: j.app.objectId, createdDateTime: j.app.createdDateTime };
    if (j.password) this.secret = { hint: j.password.hint, endDateTime: j.password.endDateTime };
    // What the earlier session got done, page by page.
    const earlier = (done: boolean, pages: number[]) => {
      if (done) this.set(pages, { state: "done", note: "Done in an earlier session", until: null });
    };
    earlier(true, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    earlier(j.assignmentId !== null, [11]);
    earlier(j.consentConfirmed, [12]);
    earlier(j.password !== null, [13, 14, 15]);
    earlier(j.verifiedAt !== null, [16]);
  }

  tick(now: number): void {
    this.now = now;
  }

  // --- navigation --------------------------------------------------------------------------------
  show(page: number): void {
    this.current = Math.max(WELCOME, Math.min(FINISH, page));
    this.following = false;
  }

  followEngine(): void {
    this.following = true;
    this.current = this.activePage();
  }

  private activePage(): number {
    for (let n = 1; n <= 16; n++) {
      const s = this.status[n].state;
      if (s === "active" || s === "waiting" || s === "failed") return n;
    }
    if (this.phase === "finished") return FINISH;
    for (let n = 16; n >= 1; n--) if (this.status[n].state === "done") return n;
    return this.current;
  }

  private followTo(page: number): void {
    if (this.following) this.current = page;
  }

  // --- the flow ----------------------------------------------------------------------------------
  get tenantError(): string | null {
    return tenantError(this.tenant, this.clientId);
  }

  get clientIdError(): string | null {
    return clientIdError(this.clientId);
  }

  /** The tenant and client ID for a real sign-in; practice ignores them. */
  private signInTarget(): { tenant?: string; clientId?: string } {
    const tenant = tenantFromInput(this.tenant);
    const clientId = this.clientId.trim();
    return { ...(tenant ? { tenant } : {}), ...(clientId ? { clientId } : {}) };
  }

  async start(practice: boolean): Promise<void> {
    if (!practice) {
      this.tenant = tenantFromInput(this.tenant);
      this.clientId = this.clientId.trim();
      if (this.tenantError || this.clientIdError) {
        // Nothing is sent: the user fixes the option first, where it is shown.
        this.optionsChecked = true;
        this.optionsOpen = true;
        return;
      }
    }
    this.practice = practice;
    this.resetStatus();
    this.failure = null;
    this.phase = "signingIn";
    this.current = 1;
    this.following = true;
    const target = practice ? {} : this.signInTarget();
    this.note(
      `start practice=${practice} cloud=${this.cloud} mode=${this.mode} deviceCode=${this.deviceCode} tenant=${target.tenant ?? "organizations"} clientId=${target.clientId ?? "default"}`,
    );
    try {
      this.precheck = await this.backend.signIn(
        {
          practice,
          cloud: this.cloud,
          method: this.deviceCode ? "deviceCode" : "browser",
          stepByStep: this.mode === "stepByStep",
          ...target,
        },
        (e) => this.onEvent(e),
      );
      this.signInUrl = null;
      this.userCode = null;
      this.phase = "confirmTenant";
      this.current = 1;
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
      this.optionsOpen = true;
      await this.signOut();
      return;
    }
    this.handOff = handOff;
    if ((this.precheck?.existing.length ?? 0) > 0) {
      this.phase = "chooseApp";
      this.current = 2;
      this.status[2] = { state: "active", note: "Choose below", until: null };
    } else {
      await this.run({ createNew: true });
    }
  }

  async run(app: { createNew: true } | { reuse: string }): Promise<void> {
    const choice: AppChoice = "reuse" in app ? { kind: "reuse", objectId: app.reuse } : { kind: "createNew" };
    const consent: ConsentPlan = this.handOff ? "handOff" : "stop";
    this.phase = "running";
    this.failure = null;
    this.awaitingNext = false;
    this.following = true;
    this.note(`run app=${"reuse" in app ? "reuse" : "new"} consent=${consent}`);
    try {
      this.credentials = await this.backend.run({ app: choice, consent, revealSecret: false }, (e) => this.onEvent(e));
      this.deadline = this.credentials.deadline;
      this.awaitingNext = false;
      this.phase = "finished";
      this.followTo(FINISH);
    } catch (err) {
      this.awaitingNext = false;
      this.fail(toErrorInfo(err), null);
    }
  }

  /** Step-by-step mode: the user read this page; let the engine do the next step. */
  async next(): Promise<void> {
    this.awaitingNext = false;
    this.following = true;
    await this.backend.proceed();
  }

  /** Runs again; the engine resumes from its journal, so nothing is done twice. */
  async retry(): Promise<void> {
    if (this.precheck) {
      await this.run(this.appChoice());
    } else {
      await this.start(this.practice);
    }
  }

  private appChoice(): { createNew: true } | { reuse: string } {
    return this.app ? { reuse: this.app.objectId } : { createNew: true };
  }

  async continueWithHandOff(): Promise<void> {
    this.handOff = true;
    await this.run(this.appChoice());
  }

  async signOut(): Promise<void> {
    try {
      await this.backend.signOut();
    } finally {
      this.precheck = null;
      this.phase = "welcome";
      this.current = WELCOME;
      this.resetStatus();
    }
  }

  async cleanup(purge: boolean): Promise<void> {
    this.busy = true;
    try {
      await this.backend.cleanup(purge, (e) => this.onEvent(e));
      this.cleanedUp = true;
      this.secret = null;
      this.deadline = null;
      this.note(`cleanup purge=${purge}`);
    } catch (err) {
      this.fail(toErrorInfo(err), "cleanup");
    } finally {
      this.busy = false;
    }
  }

  async forgetSecrets(): Promise<void> {
    await this.backend.forgetSecrets();
    this.secret = null;
    this.note("secrets forgotten");
  }

  // --- events ------------------------------------------------------------------------------------
  onEvent(e: Event): void {
    switch (e.type) {
      case "signInUrl":
        this.signInUrl = e.url;
        return;
      case "deviceCode":
        this.userCode = { code: e.userCode, uri: e.verificationUri };
        return;
    }
    const pages = this.pages[e.step] ?? [];
    this.note(`${e.type} ${e.step}`);
    switch (e.type) {
      case "started":
        this.set(pages, { state: "active", note: null, until: null });
        if (pages.length) this.followTo(pages[0]);
        break;
      case "waiting":
        // Waiting for the user is work in progress, not a retry with a countdown.
        this.set(
          pages,
          e.reason === "browserSignIn" || e.reason === "deviceCode"
            ? { state: "active", note: `${waitText(e.reason)}…`, until: null }
            : { state: "waiting", note: waitText(e.reason), until: Date.now() + e.seconds * 1000 },
        );
        break;
      case "retrying":
        this.note(`  attempt ${e.attempt}: ${e.error.status} ${e.error.code} request-id=${e.error.requestId ?? "-"}`);
        this.set(pages, {
          state: "waiting",
          note: retryText(e.reason),
          until: Date.now() + e.delaySeconds * 1000,
        });
        break;
      case "done":
      case "skipped":
        this.set(pages, {
          state: "done",
          note: e.type === "skipped" ? "Already done in an earlier run" : summary(e.data),
          until: null,
        });
        this.take(e.data);
        if (this.mode === "stepByStep" && this.phase === "running") this.awaitingNext = true;
        break;
      case "failed":
        this.set(pages, { state: "failed", note: null, until: null });
        if (pages.length) this.followTo(pages[0]);
        break;
    }
  }

  private take(data: Extract<Event, { type: "done" }>["data"]): void {
    switch (data.kind) {
      case "app":
        this.app = data.app;
        this.deadline = new Date(Date.parse(data.app.createdDateTime) + 72 * 3600 * 1000).toISOString();
        break;
      case "consentHandedOff":
        this.consentUrl = data.adminConsentUrl;
        break;
      case "secret":
        this.secret = { hint: data.hint, endDateTime: data.endDateTime };
        break;
      case "verified":
        this.verifiedRoles = data.roles;
        this.deadline = data.deadline;
        break;
    }
  }

  private set(pages: number[], s: PageStatus): void {
    for (const n of pages) this.status[n] = { ...s };
  }

  private fail(info: ErrorInfo, step: Step | null): void {
    this.failure = { info, step, at: new Date() };
    // Its remedy is the Sign-in app option: "Start over" lands on Welcome with Options open.
    if (info.code === "signInAppBlocked") this.optionsOpen = true;
    this.phase = "failed";
    this.note(`failed code=${info.code} request-id=${info.requestId ?? "-"}`);
  }

  private resetStatus(): void {
    const fresh: Record<number, PageStatus> = {};
    for (let n = 1; n <= 16; n++) fresh[n] = pending();
    this.status = fresh;
  }

  private note(line: string): void {
    this.trail.push(`${new Date().toISOString()} ${line}`);
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
    const requestIds = [...new Set(this.trail.flatMap((l) => /request-id=([^\s-][^\s]*)/.exec(l)?.[1] ?? []))];
    const lines = [
      "PMPC Recovery Wizard diagnostics",
      `time: ${new Date().toISOString()}`,
      `app version: ${app?.appVersion ?? "-"}; os: ${app?.os ?? "-"}`,
      `practice: ${this.practice}; cloud: ${this.cloud}; mode: ${this.mode}`,
      `sign-in tenant: ${tenantFromInput(this.tenant) || "organizations"}; sign-in app: ${this.clientId.trim() || "Microsoft Graph Command Line Tools (default)"}`,
      `guest account: ${this.precheck ? this.precheck.session.guest : "-"}; eligible roles (not active): ${this.precheck?.roles.eligible.join(", ") || "-"}`,
      `tenant: ${this.precheck?.tenant.tenantId ?? this.app?.tenantId ?? "-"}`,
      `account: ${this.precheck?.session.userPrincipalName ?? "-"}; roles: ${this.precheck?.roles.roles.join(", ") || "-"}`,
      `application (client) id: ${this.app?.appId ?? "-"}; object id: ${this.app?.objectId ?? "-"}`,
      `secret: ${this.secret ? `created, expires ${this.secret.endDateTime}` : "-"}`,
      `steps: ${Object.entries(this.status).map(([n, s]) => `${n}=${s.state}`).join(" ")}`,
    ];
    if (this.failure) {
      const f = this.failure;
      lines.push(`error: ${f.info.code} at ${f.at.toISOString()} step=${f.step ?? "-"} request-id=${f.info.requestId ?? "-"}`);
      lines.push(`message: ${f.info.message}`);
    }
    lines.push(`request ids: ${requestIds.join(", ") || "-"}`);
    lines.push("trail:", ...this.trail.slice(-60));
    lines.push(`log (${app?.logFolder ?? "no log folder"}), last lines:`, ...(app?.logTail ?? []));
    return lines.join("\n");
  }
}
