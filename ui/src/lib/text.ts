// Plain-language text for what the engine reports. The engine's codes are stable; the words live here.
// A finished step's result is the exception: its words are the core's (the event's `summary`).
import type { Code } from "./bindings/Code";
import type { RetryReason } from "./bindings/RetryReason";
import type { WaitReason } from "./bindings/WaitReason";
import type { Cloud } from "./bindings/Cloud";
import type { RunState } from "./bindings/RunState";
import { formatDateTime } from "./time";

export const CLOUDS: { value: Cloud; label: string; portal: string }[] = [
  { value: "global", label: "Worldwide (also GCC)", portal: "https://portal.azure.com" },
  { value: "usGovHigh", label: "US Government GCC High", portal: "https://portal.azure.us" },
  { value: "usGovDod", label: "US Government DoD", portal: "https://portal.azure.us" },
  { value: "china", label: "China (operated by 21Vianet)", portal: "https://portal.azure.cn" },
];

/** Why the engine waits, in words true for the run the user is in (a practice run has no browser). */
export function waitText(reason: WaitReason, practice = false): string {
  switch (reason) {
    case "browserSignIn":
      return practice
        ? "Signing in to the practice tenant as its Global Administrator"
        : "Waiting for you to finish signing in in your web browser";
    case "deviceCode":
      return "Waiting for you to enter the code on Microsoft's page";
    case "replication":
      return "Waiting for Microsoft to finish creating the app on all its servers";
    case "secretNotReady":
      return "Waiting for Microsoft to start accepting the new secret";
    case "permissionNotEffective":
      return "Waiting for the permission to take effect";
    case "throttled":
      return "Microsoft asked us to slow down; waiting";
    case "serviceUnavailable":
      return "Microsoft is briefly unavailable; waiting";
  }
}

export function retryText(reason: RetryReason): string {
  switch (reason) {
    case "replication":
      return "Waiting for Microsoft to finish creating the app";
    case "throttled":
      return "Microsoft asked us to slow down";
    case "unavailable":
      return "Microsoft is briefly unavailable";
    case "network":
      return "The connection to Microsoft dropped";
    case "malformed":
      return "Microsoft's answer was garbled";
    case "secretNotReady":
      return "Microsoft does not accept the new secret yet";
    case "permissionNotEffective":
      return "The permission has not taken effect yet";
  }
}

/** A wait this long is worth saying so, and offering to stop and continue later. */
export const LONG_WAIT_MS = 20_000;

/** "45 s", "3 min 5 s": how long a wait has lasted. */
export function formatWaited(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
}

/** What a long wait is for, and why it is normal, in words for an admin who is not a developer. */
export function longWaitText(reason: RetryReason): { what: string; why: string } {
  switch (reason) {
    case "secretNotReady":
      return {
        what: "Waiting for Microsoft's sign-in service to accept the new client secret.",
        why: "A new secret is copied to Microsoft's servers around the world first. That usually takes seconds, sometimes up to 10 minutes. Until then Microsoft may even call it \"expired\": that is normal for a new secret.",
      };
    case "permissionNotEffective":
      return {
        what: "Waiting for the granted permission (AuditLog.Read.All) to reach the app's sign-ins.",
        why: "Microsoft copies a new permission to its servers first. That usually takes seconds, sometimes up to 10 minutes.",
      };
    case "replication":
      return {
        what: "Waiting for Microsoft to finish creating the app on all its servers.",
        why: "Microsoft copies every new object to its servers around the world. That usually takes seconds, sometimes several minutes.",
      };
    case "throttled":
      return {
        what: "Microsoft asked the wizard to slow down, so it waits as long as Microsoft said.",
        why: "Microsoft limits how many requests a tenant may send at once. The wizard goes on by itself when Microsoft allows it.",
      };
    case "unavailable":
      return {
        what: "Waiting for Microsoft's service, which is briefly unavailable.",
        why: "Such outages usually pass within minutes. The wizard keeps trying by itself.",
      };
    case "network":
      return {
        what: "Waiting for the connection to Microsoft to come back.",
        why: "Check this computer's internet connection. The wizard keeps trying by itself.",
      };
    case "malformed":
      return {
        what: "Waiting for a readable answer from Microsoft.",
        why: "Microsoft's answer was garbled, which usually passes. The wizard keeps trying by itself.",
      };
  }
}

/** What the user can do about an error, as buttons on the error panel. */
export type ErrorAction = "retry" | "signInAgain" | "handOffConsent" | "openPortal" | "startOver";

export function actionsFor(code: Code): ErrorAction[] {
  switch (code) {
    case "signInCancelled":
    case "signInTimedOut":
    case "signInFailed":
    case "signInInterrupted":
    case "sessionExpired":
    case "tokenInvalid":
    case "notSignedIn":
    case "deviceCodeBlocked":
    case "deviceCodeExpired":
      return ["signInAgain"];
    case "consentRequiresPrivilegedRole":
    case "insufficientPrivileges":
      return ["handOffConsent", "signInAgain", "openPortal"];
    case "stoppedBeforeCreating":
      return ["signInAgain", "startOver"];
    case "secretPolicyBlocked":
    case "secretLifetimeTooLong":
      return ["openPortal", "retry"];
    case "appNotFound":
      return ["startOver"];
    case "invalidInput":
      return ["startOver"];
    case "runInProgress":
      return ["retry"];
    // The remedy is Options > Sign-in app on the Welcome page, which "Start over" opens.
    case "signInAppBlocked":
      return ["startOver"];
    // Another account, or the own sign-in app under Options ("Start over" opens them).
    case "consentBlockedByPolicy":
    case "adminConsentRequired":
      return ["signInAgain", "startOver"];
    case "conditionalAccessBlocked":
      return ["signInAgain"];
    // Nothing in the portal helps: IT fixes the certificate, then the same run goes on.
    case "certificateNotTrusted":
      return ["retry"];
    default:
      return ["retry", "openPortal"];
  }
}

export const ACTION_LABELS: Record<ErrorAction, string> = {
  retry: "Try again",
  signInAgain: "Sign in again",
  handOffConsent: "Continue and ask an administrator to grant consent",
  openPortal: "Open the Azure portal page",
  startOver: "Start over",
};

/** "2 d 5 h 3 min" style, for the deadline countdown; with `seconds`, "2 d 5 h 3 min 9 s" (a live one). */
export function formatRemaining(ms: number, seconds = false): string {
  if (ms <= 0) return "expired";
  const totalMinutes = Math.floor(ms / 60_000);
  const days = Math.floor(totalMinutes / (24 * 60));
  const hours = Math.floor((totalMinutes % (24 * 60)) / 60);
  const minutes = totalMinutes % 60;
  const s = Math.floor((ms % 60_000) / 1000);
  const tail = seconds ? ` ${s} s` : "";
  if (days > 0) return `${days} d ${hours} h ${minutes} min${tail}`;
  if (hours > 0) return `${hours} h ${minutes} min${tail}`;
  return `${minutes} min ${s} s`;
}

/**
 * Where a run stands, in words (never colour alone): a short badge and a sentence. `title` names
 * one of the 16 steps by its number.
 */
export function runStateText(state: RunState, title: (step: number) => string): { badge: string; detail: string } {
  switch (state.kind) {
    case "verified":
      return { badge: "Ready", detail: "Finished: the secret works and the app has its permission." };
    case "waitingForConsent":
      return {
        badge: "Waiting for consent",
        detail: "Waiting for a Global Administrator or Privileged Role Administrator to grant the permission (step 11).",
      };
    case "failed":
      return {
        badge: `Failed at step ${state.portalStep}`,
        detail: `Stopped with an error at step ${state.portalStep} of 16, ${title(state.portalStep)}.`,
      };
    case "stopped":
      return {
        badge: `Stopped before step ${state.portalStep}`,
        detail: `Not finished: the wizard was closed before step ${state.portalStep} of 16, ${title(state.portalStep)}.`,
      };
    case "cleanedUp":
      return { badge: "Deleted", detail: "The app registration was deleted from the tenant and its secret from this computer." };
  }
}

/** The text with a capital first letter, to start a sentence ("step 3" → "Step 3", an error's message). */
export function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

// Times are written by one formatter (lib/time.ts): the zone named, UTC beside it.
export { formatDateTime };
