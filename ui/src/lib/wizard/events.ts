// The event reducer: what the engine reports while it signs in and runs (`Event`, over the shell's
// channel) turned into page state: each page's status, what the run made (Outcome), the sign-in
// prompt, the trail behind "Copy diagnostics", and the words a screen reader hears. It calls no
// backend: the flow (flow.svelte.ts) hands it every event of a sign-in and a run, values.svelte.ts
// those of a cleanup. A deletion on the Runs page has its own, smaller one (runs-page.ts).
import type { Event } from "../bindings/Event";
import { capitalize, retryText, waitText } from "../text";
import type { Parts } from "./parts";

type StepEvent = Exclude<Event, { type: "signInUrl" } | { type: "deviceCode" }>;

export function applyEvent(parts: Parts, e: Event): void {
  if (parts.signIn.take(e)) return;
  const step = e as StepEvent;
  parts.trouble.note(`${step.type} ${step.step}`);
  const pages = parts.progress.pagesOf(step.step);
  // Said aloud only for a step that fills a page: "Steps 3 to 4, Name and register: …".
  const say = (text: (where: string) => string) => {
    if (pages.length) parts.announcer.say(text(capitalize(parts.progress.where(step.step))));
  };
  switch (step.type) {
    case "started":
      parts.progress.mark(step.step, { state: "active", note: null, until: null });
      if (pages.length) parts.progress.followTo(pages[0]);
      say((where) => `${where}, ${parts.progress.titleOf(pages[0])}: in progress.`);
      break;
    case "waiting":
      waiting(parts, step, pages, say);
      break;
    case "retrying":
      parts.trouble.noteRetry(step);
      parts.progress.mark(step.step, {
        state: "waiting",
        note: retryText(step.reason),
        until: Date.now() + step.delaySeconds * 1000,
        since: Date.now() - step.waitedSeconds * 1000,
        reason: step.reason,
      });
      say((where) => `${where}: waiting. ${retryText(step.reason)}; the wizard tries again by itself.`);
      break;
    case "done":
    case "skipped":
      done(parts, step, say);
      break;
    case "failed":
      parts.progress.mark(step.step, { state: "failed", note: null, until: null });
      if (pages.length) parts.progress.followTo(pages[0]);
      break;
  }
}

type Say = (text: (where: string) => string) => void;

function waiting(parts: Parts, e: Extract<Event, { type: "waiting" }>, pages: number[], say: Say): void {
  const { progress } = parts;
  // Waiting for the user is work in progress, not a retry with a countdown.
  const text = waitText(e.reason, parts.settings.practice);
  // The retry that came with it knows since when, and for what, the step waits.
  const { since, reason } = pages.length ? progress.statusOf(pages[0]) : {};
  progress.mark(
    e.step,
    e.reason === "browserSignIn" || e.reason === "deviceCode"
      ? { state: "active", note: `${text}…`, until: null }
      : { state: "waiting", note: text, until: Date.now() + e.seconds * 1000, since, reason },
  );
  say((where) => `${where}: ${text}.`);
}

function done(parts: Parts, e: Extract<Event, { type: "done" | "skipped" }>, say: Say): void {
  const { progress } = parts;
  progress.mark(e.step, {
    state: "done",
    // What it made, in the core's words (the receipt and the CLI say the same).
    note: e.type === "skipped" ? "Already done in an earlier run" : e.summary,
    until: null,
  });
  parts.outcome.take(e.data);
  say((where) => `${where} done.`);
  if (parts.settings.mode === "stepByStep" && progress.phase === "running") {
    progress.awaitingNext = true;
    if (progress.nextTitle) say((where) => `${where} done. Press Next to go on with ${progress.nextTitle}.`);
  }
}
