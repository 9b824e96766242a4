// A minimal W3C WebDriver client over fetch, plus the tauri-driver process that serves it.
// tauri-driver listens on 4444 and drives the real app window through WebKitWebDriver.
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readlinkSync, realpathSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";

const DRIVER = "http://127.0.0.1:4444";
// W3C element reference key.
const ELEMENT = "element-6066-11e4-a52f-4a4d6ae5a7d3";

async function call(method, path, body) {
  const res = await fetch(`${DRIVER}${path}`, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json();
  if (!res.ok) {
    throw new Error(`WebDriver ${method} ${path}: ${res.status} ${JSON.stringify(json.value)}`);
  }
  return json.value;
}

export async function startDriver() {
  const driver = spawn("tauri-driver", [], { stdio: ["ignore", "inherit", "inherit"] });
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      await call("GET", "/status");
      return driver;
    } catch (err) {
      if (Date.now() > deadline) {
        driver.kill();
        throw new Error(`tauri-driver did not start: ${err}`);
      }
      await sleep(200);
    }
  }
}

/** The processes running `binary` (Linux: /proc; elsewhere none are seen). */
function instancesOf(binary) {
  if (!existsSync("/proc/self/exe")) return [];
  const target = realpathSync(binary);
  const pids = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readlinkSync(`/proc/${entry}/exe`).replace(/ \(deleted\)$/, "") === target) pids.push(Number(entry));
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return pids;
}

/**
 * Waits until no earlier window of the app is still running. The app itself copes with a launch
 * while a window closes (src-tauri/src/one_window.rs, tests/e2e/relaunch.test.mjs): the launch
 * becomes the window or, when it reached the closing instance first, that instance opens a new
 * one as it exits. WebDriver, though, needs the very process it launched to be the window.
 */
export async function noEarlierInstance(binary, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pids = instancesOf(binary);
    if (pids.length === 0) return;
    if (Date.now() > deadline) throw new Error(`an earlier ${binary} (pid ${pids.join(", ")}) is still running after ${timeoutMs / 1000} s`);
    await sleep(200);
  }
}

export class Session {
  static async open(application) {
    await noEarlierInstance(application);
    const value = await call("POST", "/session", {
      capabilities: { alwaysMatch: { "tauri:options": { application } } },
    });
    const session = new Session(value.sessionId);
    session.application = application;
    return session;
  }

  constructor(id) {
    this.id = id;
  }

  async findAll(css, using = "css selector") {
    const found = await call("POST", `/session/${this.id}/elements`, { using, value: css });
    return found.map((e) => e[ELEMENT] ?? Object.values(e)[0]);
  }

  /** Polls (every `pollMs`) until `css` matches at least `count` elements or the time is up. */
  async waitForAll(css, count, timeoutMs = 20_000, using = "css selector", pollMs = 150) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = await this.findAll(css, using);
      if (found.length >= count) return found;
      if (Date.now() > deadline) {
        throw new Error(`expected ${count} elements matching ${css}, found ${found.length}`);
      }
      await sleep(pollMs);
    }
  }

  /** The first button whose text is exactly `text`, once it exists. */
  async button(text, timeoutMs = 60_000, pollMs = 150) {
    const [el] = await this.waitForAll(`//button[normalize-space()=${JSON.stringify(text)}]`, 1, timeoutMs, "xpath", pollMs);
    return el;
  }

  /** The text of the first element matching `css`, once it exists. */
  async textOf(css, timeoutMs = 20_000) {
    const [el] = await this.waitForAll(css, 1, timeoutMs);
    return this.text(el);
  }

  text(element) {
    return call("GET", `/session/${this.id}/element/${element}/text`);
  }

  click(element) {
    return call("POST", `/session/${this.id}/element/${element}/click`, {});
  }

  /** Runs `script` (a function body; `arguments` holds `args`) in the page and returns its value. */
  execute(script, args = []) {
    return call("POST", `/session/${this.id}/execute/sync`, { script, args });
  }

  /**
   * Presses keys as a keyboard does: each key goes down and up in turn, except that `modifiers`
   * (e.g. ["\uE008"] for Shift) are held around them. WebDriver key values: Tab \uE004,
   * Enter \uE007, Space \uE00D, Shift \uE008.
   */
  async press(key, modifiers = []) {
    const actions = [
      ...modifiers.map((m) => ({ type: "keyDown", value: m })),
      { type: "keyDown", value: key },
      { type: "keyUp", value: key },
      ...modifiers.map((m) => ({ type: "keyUp", value: m })),
    ];
    await call("POST", `/session/${this.id}/actions`, { actions: [{ type: "key", id: "keyboard", actions }] });
  }

  /** A PNG of the window, as a Buffer. */
  async screenshot() {
    return Buffer.from(await call("GET", `/session/${this.id}/screenshot`), "base64");
  }

  /**
   * Ends the session and waits for the app to end with it. WebKitWebDriver ends the app after
   * answering; a test that then kills tauri-driver at once (every test's `after`) could take
   * WebKitWebDriver down first and leave the app running with no window and no one to close it
   * (seen in the soak: the next test waited 60 s for it). Such a leftover is ended by its pid.
   */
  async close() {
    const result = await call("DELETE", `/session/${this.id}`);
    if (this.application) {
      const pids = await noEarlierInstance(this.application, 15_000).then(
        () => [],
        () => instancesOf(this.application),
      );
      for (const pid of pids) process.kill(pid, "SIGTERM");
      if (pids.length > 0) await noEarlierInstance(this.application, 15_000).catch(() => {});
    }
    return result;
  }
}
