// The only module that talks to Tauri. Every command is gated per window in src-tauri/capabilities.
import { Channel, invoke } from "@tauri-apps/api/core";
import { openUrl } from "@tauri-apps/plugin-opener";
import type { Event } from "../bindings/Event";
import type { Backend, EventHandler } from "./types";

function channel(onEvent: EventHandler): Channel<Event> {
  const ch = new Channel<Event>();
  ch.onmessage = onEvent;
  return ch;
}

export const tauriBackend: Backend = {
  plan: () => invoke("plan"),
  status: () => invoke("status"),
  signIn: (options, onEvent) => invoke("sign_in", { options, onEvent: channel(onEvent) }),
  cancelSignIn: () => invoke("cancel_sign_in"),
  run: (choice, onEvent) => invoke("run", { choice, onEvent: channel(onEvent) }),
  stopRun: () => invoke("stop_run"),
  proceed: () => invoke("proceed"),
  revealSecret: () => invoke("reveal_secret"),
  copySecret: (withIds) => invoke("copy_secret", { withIds }),
  copyText: (text) => invoke("copy_text", { text }),
  openUrl: (url) => openUrl(url),
  cleanup: (purge, onEvent) => invoke("cleanup", { purge, onEvent: channel(onEvent) }),
  forgetSecrets: () => invoke("forget_secrets"),
  signOut: () => invoke("sign_out"),
  diagnostics: () => invoke("diagnostics"),
  openLogFolder: () => invoke("open_log_folder"),
  saveReceipt: () => invoke("save_receipt"),
  saveCalendar: () => invoke("save_calendar"),
  runs: () => invoke("runs"),
  revealRunSecret: (tenantId, runId) => invoke("reveal_run_secret", { tenantId, runId }),
  copyRunSecret: (tenantId, runId, withIds) => invoke("copy_run_secret", { tenantId, runId, withIds }),
  forgetRun: (tenantId, runId) => invoke("forget_run", { tenantId, runId }),
  saveRunReceipt: (tenantId, runId) => invoke("save_run_receipt", { tenantId, runId }),
  deleteRun: (tenantId, runId, purge, options, onEvent) =>
    invoke("delete_run", { tenantId, runId, purge, options, onEvent: channel(onEvent) }),
};
