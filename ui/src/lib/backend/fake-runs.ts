// The runs on the fake computer (the Runs page, an earlier run to resume): journals as the core
// writes them, and what `runs` and `status` read from them and the keychain.
import type { Journal } from "../bindings/Journal";
import type { RunStatus } from "../bindings/RunStatus";
import type { Step } from "../bindings/Step";

export const TENANT_ID = "6babcaad-604b-40ac-a9d7-9fd97c0b779f";
export const APP_ID = "2d1e4d4b-8f8a-4b8e-9d0d-6c0f3a7f9e11";
export const OBJECT_ID = "0b0c7bd4-5a35-4b1a-a2d4-1d3f0f5f2c22";
export const SECRET = "Xy7~fake-secret-value-for-tests-only";

/** The second tenant of the Runs page. */
export const FABRIKAM_ID = "9c3f2a1e-7b5d-4e8f-a1c2-3d4e5f6a7b8c";
const NORTHWIND_ID = "4f1d2c3b-0a9e-4d8c-b7a6-5e4f3d2c1b0a";
const TAILSPIN_ID = "0d9c8b7a-6f5e-4d3c-a2b1-0f9e8d7c6b5a";
export const HOUR = 3600_000;

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
const UP_TO_CONSENT: Step[] = ["signIn", "readTenant", "findExisting", "createApp", "configurePermission", "createServicePrincipal", "grantConsent", "confirmConsent"];
const UP_TO_SECRET: Step[] = ["signIn", "readTenant", "findExisting", "createApp", "configurePermission", "createServicePrincipal", "createSecret", "storeSecret"];

/** Each run's secret in the fake keychain. */
export const RUN_SECRETS: Record<string, string> = {
  [TENANT_ID]: SECRET,
  [NORTHWIND_ID]: "Nw5~northwind-fake-secret-for-tests",
};

/** A fake tenant's domain, from its name: "Northwind Traders" → northwindtraders.onmicrosoft.com. */
const domainOf = (name: string) => `${name.toLowerCase().replace(/[^a-z]/g, "")}.onmicrosoft.com`;

/** One of the fake computer's runs: a tenant that signed in and made its app registration. */
interface FakeRun {
  tenantId: string;
  /** The tenant's name; its first word names the run ("run-northwind"), and it gives the domain. */
  name: string;
  /** Hours ago: the sign-in, the app registration's creation, the journal's last write. */
  hoursAgo: { started: number; created: number; updated: number };
  app: { objectId: string; appId: string };
  /** The rest of the journal, and of what the core reads from it. */
  journal?: Partial<Journal>;
  status?: Partial<Omit<RunStatus, "journal">>;
}

function fakeRun(now: number, r: FakeRun): RunStatus {
  const at = (hoursAgo: number) => new Date(now - hoursAgo * HOUR).toISOString();
  const domain = domainOf(r.name);
  const signedIn = {
    kind: "signedIn" as const,
    at: at(r.hoursAgo.started),
    userPrincipalName: `admin@${domain}`,
    displayName: "Ada Admin",
    userId: "user-1",
    guest: false,
    tenantId: r.tenantId,
    tenantName: r.name,
    defaultDomain: domain,
    cloud: "global" as const,
  };
  return runStatus(
    journal({
      tenantId: r.tenantId,
      runId: `run-${r.name.split(" ")[0].toLowerCase()}`,
      app: { ...r.app, createdDateTime: at(r.hoursAgo.created), reused: false },
      updated: at(r.hoursAgo.updated),
      started: at(r.hoursAgo.started),
      activity: [signedIn],
      ...r.journal,
    }),
    { tenantName: r.name, defaultDomain: domain, ...r.status },
  );
}

/**
 * The runs on the fake computer, relative to `now`: Contoso verified (about 2 days left) and
 * Fabrikam failed at step 13 and past its deadline; with `many`, also Northwind waiting for an
 * administrator's consent (11 hours left) and Tailspin, cleaned up.
 */
export function fakeRuns(now = Date.now(), many = false): RunStatus[] {
  const at = (hoursAgo: number) => new Date(now - hoursAgo * HOUR).toISOString();
  const contoso = fakeRun(now, {
    tenantId: TENANT_ID,
    name: "Contoso",
    hoursAgo: { started: 22.25, created: 22.24, updated: 22.2 },
    app: { objectId: OBJECT_ID, appId: APP_ID },
    journal: {
      servicePrincipalId: "sp-1",
      assignmentId: "as-1",
      consentConfirmed: true,
      password: { keyId: "key-1", hint: "Xy7", endDateTime: at(-24 * 7), stored: true },
      verifiedAt: at(22.2),
    },
    status: { secretInKeychain: true, complete: true, doneSteps: ALL_STEPS, state: { kind: "verified" } },
  });
  const fabrikam = fakeRun(now, {
    tenantId: FABRIKAM_ID,
    name: "Fabrikam",
    hoursAgo: { started: 75.02, created: 75, updated: 75 },
    app: { objectId: "5e6f7a8b-1c2d-4e3f-9a0b-c1d2e3f4a5b6", appId: "7a8b9c0d-2e3f-4a5b-8c6d-e7f8a9b0c1d2" },
    journal: { servicePrincipalId: "sp-2", assignmentId: "as-2", consentConfirmed: true, requestedTenant: "fabrikam.com" },
    status: {
      doneSteps: UP_TO_CONSENT,
      state: {
        kind: "failed",
        step: "createSecret",
        portalStep: 13,
        errorCode: "secretPolicyBlocked",
        remedy:
          "Your tenant's app management policy does not allow client secrets for this app. An administrator must allow password credentials (Entra ID > App registrations policies) or exempt this app.",
      },
      expired: true,
    },
  });
  if (!many) return [contoso, fabrikam];
  return [contoso, northwind(now), fabrikam, tailspin(now)];
}

/** Waiting for an administrator's consent, with a label of the user's own. */
function northwind(now: number): RunStatus {
  return fakeRun(now, {
    tenantId: NORTHWIND_ID,
    name: "Northwind Traders",
    hoursAgo: { started: 61.02, created: 61, updated: 61 },
    app: { objectId: "c3d4e5f6-0a1b-4c2d-8e3f-a4b5c6d7e8f9", appId: "e5f6a7b8-2c3d-4e4f-9a5b-c6d7e8f9a0b1" },
    journal: {
      servicePrincipalId: "sp-3",
      consentHandedOff: true,
      consentRedirectRegistered: true,
      password: { keyId: "key-3", hint: "Nw5", endDateTime: new Date(now + 24 * 5 * HOUR).toISOString(), stored: true },
      label: "Northwind (main office)",
    },
    status: { secretInKeychain: true, doneSteps: UP_TO_SECRET, state: { kind: "waitingForConsent" } },
  });
}

/** Cleaned up twelve days ago. */
function tailspin(now: number): RunStatus {
  return fakeRun(now, {
    tenantId: TAILSPIN_ID,
    name: "Tailspin Toys",
    hoursAgo: { started: 24 * 12 + 0.02, created: 24 * 12, updated: 24 * 9 },
    app: { objectId: "a1b2c3d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d", appId: "b2c3d4e5-6f7a-4b8c-9d0e-1f2a3b4c5d6e" },
    journal: { verifiedAt: new Date(now - 24 * 12 * HOUR).toISOString() },
    status: { state: { kind: "cleanedUp" } },
  });
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
    const domain = domainOf(name);
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
