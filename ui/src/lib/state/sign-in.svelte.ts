// What a sign-in in progress waits on: the browser's address, or a code to enter on another device.
export class SignInPrompt {
  /** The address the browser was sent to (shown so the user can open it by hand). */
  url: string | null = $state(null);
  /** Device-code sign-in: the code and where to enter it. */
  userCode: { code: string; uri: string } | null = $state(null);

  clear(): void {
    this.url = null;
    this.userCode = null;
  }
}
