// What a sign-in in progress waits on: the browser's address, or a code to enter on another device.
import type { Event } from "../bindings/Event";

export class SignInPrompt {
  /** The address the browser was sent to (shown so the user can open it by hand). */
  url: string | null = $state(null);
  /** Device-code sign-in: the code and where to enter it. */
  userCode: { code: string; uri: string } | null = $state(null);

  /** Takes in an event of the sign-in (its address, its code); false for any other event. */
  take(e: Event): boolean {
    if (e.type === "signInUrl") this.url = e.url;
    else if (e.type === "deviceCode") this.userCode = { code: e.userCode, uri: e.verificationUri };
    else return false;
    return true;
  }

  clear(): void {
    this.url = null;
    this.userCode = null;
  }
}
