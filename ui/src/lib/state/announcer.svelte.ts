// What a screen reader hears: one polite live region (App) says each step change, "done",
// "waiting", a question that needs an answer, and errors. Ticking clocks never go through it.
export class Announcer {
  message = $state("");

  say(text: string): void {
    // The same words twice in a row (two steps both "in progress") are still read: a live region
    // announces a change, so the text alternates with a non-breaking space at its end.
    this.message = this.message === text ? `${text}\u00a0` : text;
  }
}
