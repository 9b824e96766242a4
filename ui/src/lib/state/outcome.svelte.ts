// What the run found and made: the signed-in tenant, the app registration's IDs, the consent
// link, the secret's hint, the deadline, an earlier run on this computer. Never the secret itself.
import type { AppIds } from "../bindings/AppIds";
import type { Credentials } from "../bindings/Credentials";
import type { Precheck } from "../bindings/Precheck";
import type { RunStatus } from "../bindings/RunStatus";
import type { StepData } from "../bindings/StepData";

export class Outcome {
  precheck: Precheck | null = $state(null);
  /** An administrator other than the user grants consent through a link. */
  handOff = $state(false);
  app: AppIds | null = $state(null);
  consentUrl: string | null = $state(null);
  secret: { hint: string; endDateTime: string } | null = $state(null);
  verifiedRoles: string[] | null = $state(null);
  credentials: Credentials | null = $state(null);
  deadline: string | null = $state(null);
  earlier: RunStatus | null = $state(null);
  cleanedUp = $state(false);

  /** The secret was proven to work (in this run or an earlier one). */
  get verified(): boolean {
    return this.credentials?.verified ?? (this.verifiedRoles !== null || (this.earlier?.complete ?? false));
  }

  /** A secret is kept on this computer and can be shown and copied. */
  get hasSecret(): boolean {
    return !this.cleanedUp && (this.secret !== null || (this.earlier?.secretInKeychain ?? false));
  }

  /** Forgets everything: the next tenant starts from nothing. */
  reset(): void {
    this.precheck = null;
    this.handOff = false;
    this.app = null;
    this.consentUrl = null;
    this.secret = null;
    this.verifiedRoles = null;
    this.credentials = null;
    this.deadline = null;
    this.earlier = null;
    this.cleanedUp = false;
  }

  /** This outcome is about that run's app registration. */
  isAbout(run: RunStatus): boolean {
    const app = run.journal.app;
    return app !== null && this.app?.objectId === app.objectId && this.app.tenantId === run.journal.tenantId;
  }

  /** Takes in what an earlier session got done (its journal). */
  resume(earlier: RunStatus): void {
    this.earlier = earlier;
    const j = earlier.journal;
    if (!j.app || !earlier.deadline) return;
    this.deadline = earlier.deadline;
    this.app = {
      tenantId: j.tenantId,
      appId: j.app.appId,
      objectId: j.app.objectId,
      createdDateTime: j.app.createdDateTime,
      deadline: earlier.deadline,
    };
    if (j.password) this.secret = { hint: j.password.hint, endDateTime: j.password.endDateTime };
  }

  /** Takes in what a finished step reported. */
  take(data: StepData): void {
    switch (data.kind) {
      case "app":
        this.app = data.app;
        this.deadline = data.app.deadline;
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
}
