// What a backend call rejected with, read as an `ErrorInfo`, and its words for a page.
import type { ErrorInfo } from "./bindings/ErrorInfo";

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

/** What went wrong and what to do about it, in one line: the note beside a button whose action failed. */
export function errorText(err: unknown): string {
  const { message, remedy } = toErrorInfo(err);
  return remedy ? `${message} ${remedy}` : message;
}
