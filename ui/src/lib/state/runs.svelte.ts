// The Runs page: every run this computer knows (journal + keychain, shared with the CLI), newest
// first, and what is going on with each: a deletion signing in or deleting, and what it said.
import type { ErrorInfo } from "../bindings/ErrorInfo";
import type { RunStatus } from "../bindings/RunStatus";
import type { PageId } from "./progress.svelte";
import { SignInPrompt } from "./sign-in.svelte";

/** A deletion under way (or just over) for one run. */
export interface RunWork {
  phase: "signingIn" | "deleting" | "deleted" | "failed";
  error: ErrorInfo | null;
}

export class Runs {
  /** Null until loaded. */
  list: RunStatus[] | null = $state(null);
  loading = $state(false);
  /** Loading the list failed. */
  error: ErrorInfo | null = $state(null);
  /** The page the user came from, for Back. */
  from: PageId | null = $state(null);
  /** Deletions by run ID. */
  work: Record<string, RunWork> = $state({});
  /** What the sign-in of a deletion waits on (the browser's address, or a code). */
  readonly signIn = new SignInPrompt();
  /** The run whose deletion is signing in, if any. */
  signingIn: string | null = $state(null);

  /** The runs past their deadline whose app registration still exists. */
  get expired(): RunStatus[] {
    return (this.list ?? []).filter((r) => r.expired && r.journal.app !== null && r.state.kind !== "cleanedUp");
  }

  /** A deletion is under way for some run. */
  get busy(): boolean {
    return Object.values(this.work).some((w) => w.phase === "signingIn" || w.phase === "deleting");
  }

  workOf(run: RunStatus): RunWork | null {
    return this.work[run.journal.runId] ?? null;
  }
}

/**
 * The tenant with its domain, for sentences that must leave no doubt: "Contoso (contoso.onmicrosoft.com)".
 * Its name is the core's (`RunStatus.tenantLabel`), as the CLI and the receipt name it.
 */
export function tenantWithDomain(run: RunStatus): string {
  const name = run.tenantLabel;
  const domain = run.defaultDomain ?? run.journal.requestedTenant ?? run.journal.tenantId;
  return domain && domain !== name ? `${name} (${domain})` : name;
}
