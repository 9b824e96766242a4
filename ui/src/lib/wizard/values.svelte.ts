// The run's values and what the user does with them, on the step pages and Finish: copy an ID or
// link, show and copy the secret, save the receipt and the calendar file, delete the app
// registration, forget the secret on this computer.
import type { Copied } from "../bindings/Copied";
import type { Event } from "../bindings/Event";
import type { Backend } from "../backend/types";
import { toErrorInfo } from "../errors";
import { applyEvent } from "./events";
import { fail, type Parts } from "./parts";

export class Values {
  /** A cleanup is under way. */
  busy = $state(false);

  private readonly backend: Backend;
  private readonly parts: Parts;

  constructor(backend: Backend, parts: Parts) {
    this.backend = backend;
    this.parts = parts;
  }

  /** Copies a value that is not secret (an ID, the consent link, the sign-in code). */
  copyText(text: string): Promise<void> {
    return this.backend.copyText(text);
  }

  openUrl(url: string): Promise<void> {
    return this.backend.openUrl(url);
  }

  /** The secret's value, for the user who asked to see it. */
  revealSecret(): Promise<string> {
    return this.backend.revealSecret();
  }

  /** Copies the secret for a while: alone, or with the three IDs as a labelled block. */
  copySecret(withIds = false): Promise<Copied> {
    return this.backend.copySecret(withIds);
  }

  /** Saves the receipt where the user picks; the HTML file's path, or null when cancelled. */
  saveReceipt(): Promise<string | null> {
    return this.backend.saveReceipt();
  }

  /** Saves the deadline as a calendar file; its path, or null when cancelled. */
  saveCalendar(): Promise<string | null> {
    return this.backend.saveCalendar();
  }

  /** Deletes the app registration (after Finish asked), and with it the secret on this computer. */
  async cleanup(purge: boolean): Promise<void> {
    const { outcome, trouble } = this.parts;
    this.busy = true;
    try {
      await this.backend.cleanup(purge, (e: Event) => applyEvent(this.parts, e));
      outcome.cleanedUp = true;
      outcome.secret = null;
      outcome.deadline = null;
      trouble.note(`cleanup purge=${purge}`);
    } catch (err) {
      fail(this.parts, toErrorInfo(err), "cleanup");
    } finally {
      this.busy = false;
    }
  }

  async forgetSecrets(): Promise<void> {
    await this.backend.forgetSecrets();
    this.parts.outcome.secret = null;
    this.parts.trouble.note("secrets forgotten");
  }
}
