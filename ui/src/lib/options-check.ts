// What the user types on Welcome (Options), checked the way the engine's `Config::validate` does.

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
