// What the user chose before starting: practice or real, cloud, tenant, sign-in app, how to go
// through the steps, presenter mode. Set on Welcome; read by the run and the pages.
import type { Cloud } from "../bindings/Cloud";
import { clientIdError, tenantError, tenantFromInput } from "../options-check";
import { CLOUDS } from "../text";

export type Mode = "automatic" | "stepByStep";

export class Settings {
  /** This run is against the pretend tenant on this computer. */
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

  get tenantError(): string | null {
    return tenantError(this.tenant, this.clientId);
  }

  get clientIdError(): string | null {
    return clientIdError(this.clientId);
  }

  get portal(): string {
    return CLOUDS.find((c) => c.value === this.cloud)?.portal ?? "https://portal.azure.com";
  }

  /** Tidies the typed options; false (and the Options section open with its errors) if one is wrong. */
  checkOptions(): boolean {
    this.tenant = tenantFromInput(this.tenant);
    this.clientId = this.clientId.trim();
    if (this.tenantError || this.clientIdError) {
      this.optionsChecked = true;
      this.optionsOpen = true;
      return false;
    }
    return true;
  }

  /** The tenant and client ID for a real sign-in; practice ignores them. */
  signInTarget(): { tenant?: string; clientId?: string } {
    if (this.practice) return {};
    const tenant = tenantFromInput(this.tenant);
    const clientId = this.clientId.trim();
    return { ...(tenant ? { tenant } : {}), ...(clientId ? { clientId } : {}) };
  }
}
