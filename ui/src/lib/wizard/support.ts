// Diagnostics for support: the report behind "Copy diagnostics" (the app and OS, what ran, where,
// the last error, every request ID, the log's last lines), and the log folder. No secret, no
// token: the trail never holds one, and the shell redacts the log lines it sends.
import type { Diagnostics } from "../bindings/Diagnostics";
import type { Backend } from "../backend/types";
import { tenantFromInput } from "../options-check";
import type { Parts } from "./parts";

export class Support {
  private readonly backend: Backend;
  private readonly parts: Parts;

  constructor(backend: Backend, parts: Parts) {
    this.backend = backend;
    this.parts = parts;
  }

  /** The report, as text to paste into a message to support. */
  async report(): Promise<string> {
    let app: Diagnostics | null = null;
    try {
      app = await this.backend.diagnostics();
    } catch {
      // The report is still worth copying without the app's part.
    }
    return diagnosticsReport(this.parts, app);
  }

  async copyDiagnostics(): Promise<void> {
    await this.backend.copyText(await this.report());
  }

  /** Opens the folder with the app's log files in the system's file manager. */
  openLogFolder(): Promise<void> {
    return this.backend.openLogFolder();
  }
}

/** The report from the wizard's parts and the app's side of it (null when the shell could not say). */
export function diagnosticsReport(parts: Parts, app: Diagnostics | null): string {
  const { settings, outcome, progress, trouble } = parts;
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
