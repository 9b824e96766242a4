// The last error and a redacted trail of what happened, for the error panel and "Copy diagnostics".
import type { ErrorInfo } from "../bindings/ErrorInfo";
import type { Event } from "../bindings/Event";
import type { Step } from "../bindings/Step";

export interface Failure {
  info: ErrorInfo;
  step: Step | null;
  at: Date;
}

export class Trouble {
  failure: Failure | null = $state(null);
  /** Never holds a secret. */
  private trail: string[] = [];

  note(line: string): void {
    this.trail.push(`${new Date().toISOString()} ${line}`);
  }

  /** A request the engine tries again: its status, code and request ID. */
  noteRetry(e: Extract<Event, { type: "retrying" }>): void {
    this.note(`  attempt ${e.attempt}: ${e.error.status} ${e.error.code} request-id=${e.error.requestId ?? "-"}`);
  }

  record(info: ErrorInfo, step: Step | null): void {
    this.failure = { info, step, at: new Date() };
    this.note(`failed code=${info.code} request-id=${info.requestId ?? "-"}`);
  }

  clear(): void {
    this.failure = null;
  }

  /** Every request ID seen, once each. */
  get requestIds(): string[] {
    return [...new Set(this.trail.flatMap((l) => /request-id=([^\s-][^\s]*)/.exec(l)?.[1] ?? []))];
  }

  lastLines(n: number): string[] {
    return this.trail.slice(-n);
  }
}
