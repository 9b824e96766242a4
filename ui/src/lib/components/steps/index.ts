// Which component fills a step's page, chosen by the engine steps that work on that page
// (plan.json's `pages`): a page without one shows only the step's text and status.
import type { Component } from "svelte";
import type { Step } from "../../bindings/Step";
import AppIds from "./AppIds.svelte";
import ChooseApp from "./ChooseApp.svelte";
import Consent from "./Consent.svelte";
import type { StepProps } from "./props";
import Secret from "./Secret.svelte";
import SignIn from "./SignIn.svelte";

export type { StepProps };
export type StepBody = Component<StepProps>;

export const BODY_BY_STEP: Partial<Record<Step, StepBody>> = {
  signIn: SignIn,
  readTenant: SignIn,
  findExisting: ChooseApp,
  createApp: AppIds,
  grantConsent: Consent,
  confirmConsent: Consent,
  storeSecret: Secret,
  verify: Secret,
};

/** The body for a page the given engine steps work on, if any of them has one. */
export function bodyFor(steps: Step[]): StepBody | undefined {
  for (const s of steps) {
    const body = BODY_BY_STEP[s];
    if (body) return body;
  }
  return undefined;
}
