// Stands in for Tauri's IPC in the built UI (page tests in headless Chromium): the real
// lib/backend/tauri.ts runs unchanged and its invoke() calls land in the scripted fake backend.
import { fakeBackend, type FakeOptions } from "../src/lib/backend/fake";
import type { Event } from "../src/lib/bindings/Event";

declare global {
  interface Window {
    __FAKE_OPTIONS__?: FakeOptions;
    __FAKE__?: ReturnType<typeof fakeBackend>;
    __TAURI_INTERNALS__?: unknown;
  }
}

const fake = fakeBackend(window.__FAKE_OPTIONS__ ?? {});
window.__FAKE__ = fake;

const callbacks = new Map<number, (payload: unknown) => void>();
let nextId = 1;
const sent = new Map<number, number>();

/** Delivers an event the way tauri::ipc::Channel does: through the channel's callback, indexed. */
function channel(ch: { id: number }) {
  return (event: Event) => {
    const index = sent.get(ch.id) ?? 0;
    sent.set(ch.id, index + 1);
    callbacks.get(ch.id)?.({ index, message: event });
  };
}

type Args = Record<string, any>;
const commands: Record<string, (a: Args) => Promise<unknown>> = {
  plan: () => fake.plan(),
  status: () => fake.status(),
  sign_in: (a) => fake.signIn(a.options, channel(a.onEvent)),
  cancel_sign_in: () => fake.cancelSignIn(),
  stop_run: () => fake.stopRun(),
  run: (a) => fake.run(a.choice, channel(a.onEvent)),
  proceed: () => fake.proceed(),
  reveal_secret: () => fake.revealSecret(),
  copy_secret: (a) => fake.copySecret(a.withIds),
  cleanup: (a) => fake.cleanup(a.purge, channel(a.onEvent)),
  forget_secrets: () => fake.forgetSecrets(),
  sign_out: () => fake.signOut(),
  diagnostics: () => fake.diagnostics(),
  open_log_folder: () => fake.openLogFolder(),
  save_receipt: () => fake.saveReceipt(),
  save_calendar: () => fake.saveCalendar(),
  runs: () => fake.runs(),
  reveal_run_secret: (a) => fake.revealRunSecret(a.tenantId, a.runId),
  copy_run_secret: (a) => fake.copyRunSecret(a.tenantId, a.runId, a.withIds),
  forget_run: (a) => fake.forgetRun(a.tenantId, a.runId),
  save_run_receipt: (a) => fake.saveRunReceipt(a.tenantId, a.runId),
  delete_run: (a) => fake.deleteRun(a.tenantId, a.runId, a.purge, a.options, channel(a.onEvent)),
  copy_text: (a) => fake.copyText(a.text),
  "plugin:opener|open_url": (a) => fake.openUrl(a.url),
};

window.__TAURI_INTERNALS__ = {
  metadata: { currentWindow: { label: "main" }, currentWebview: { windowLabel: "main", label: "main" } },
  transformCallback(cb: (payload: unknown) => void) {
    const id = nextId++;
    callbacks.set(id, cb);
    return id;
  },
  unregisterCallback(id: number) {
    callbacks.delete(id);
  },
  async invoke(cmd: string, args: Args) {
    const handler = commands[cmd];
    if (!handler) throw new Error(`unexpected IPC command ${cmd}`);
    return handler(args);
  },
};
