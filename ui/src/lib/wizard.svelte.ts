// The wizard: its state, one part per concern (state/, listed in wizard/parts.ts), which the pages
// read through Svelte context (context.ts), and its actions, grouped by concern in wizard/:
//
//   flow       Welcome → sign-in → tenant question → app choice → run → Finish, and the next tenant
//   values     the run's values: copy, show the secret, receipt and calendar, cleanup, forget
//   runsPage   the Runs page: every run on this computer, continue, delete, forget
//   support    the diagnostics report and the log folder
//
// Only these actions call the backend; components never see it (structure.test.ts checks). What
// the engine reports while they wait turns into page state in one place, wizard/events.ts.
import type { Backend } from "./backend/types";
import { Announcer } from "./state/announcer.svelte";
import { Clock } from "./state/clock.svelte";
import { Outcome } from "./state/outcome.svelte";
import { Progress } from "./state/progress.svelte";
import { Runs } from "./state/runs.svelte";
import { Settings } from "./state/settings.svelte";
import { SignInPrompt } from "./state/sign-in.svelte";
import { Trouble } from "./state/trouble.svelte";
import { Flow } from "./wizard/flow.svelte";
import type { Parts } from "./wizard/parts";
import { RunsPage } from "./wizard/runs-page";
import { Support } from "./wizard/support";
import { Values } from "./wizard/values.svelte";

export class Wizard implements Parts {
  readonly settings = new Settings();
  readonly progress = new Progress();
  readonly outcome = new Outcome();
  readonly signIn = new SignInPrompt();
  readonly trouble = new Trouble();
  readonly clock = new Clock();
  readonly announcer = new Announcer();
  readonly runs = new Runs();

  readonly flow: Flow;
  readonly values: Values;
  readonly runsPage: RunsPage;
  readonly support: Support;

  constructor(backend: Backend) {
    this.flow = new Flow(backend, this);
    this.values = new Values(backend, this);
    this.runsPage = new RunsPage(backend, this, this.flow);
    this.support = new Support(backend, this);
  }
}
