/**
 * The web app's Jobs view in real Chromium (Playwright), against real daemons: `a` serves the
 * page, `b` links to `a`; each runs a scheduler (`glow.jobs/<node>`) and a worker
 * (`glow.worker/<node>`). Jobs are submitted from the page's form to `a`'s scheduler, whose steps
 * run on either daemon; the page watches them, cancels one, and pauses `b`'s worker. Modelled on
 * resourcesViews.test.ts; run under netguard: nothing may leave loopback.
 */
import { createHash } from 'node:crypto';
import type { Page } from 'playwright-core';
import type { JobSummary, WorkerStatus } from '../../../src/resources/jobs/interfaces.js';
import { waitFor } from '../../helpers/waitFor.js';
import { tempHome, type DaemonProcess } from '../daemon/helpers.js';
import { refreshCount, STEP, waitForCount, waitForRefresh } from './pageWaits.js';
import { ARTIFACTS, useWebMesh } from './webMesh.js';

/** Two daemons, a page and three jobs; bounded well above what it takes (~15 s). */
const TEST_TIMEOUT = 120_000;

const web = useWebMesh();

/** Two daemons (`a` named `alpha`); each worker runs up to 2 steps at once (config `maxSteps`), whatever the machine's cores. */
function twoDaemons() {
  return web.twoDaemons({ aArgs: ['--name', 'alpha'], home: () => tempHome({ maxSteps: 2 }) });
}

const workerStatus = (daemon: DaemonProcess) => daemon.op<WorkerStatus>({ op: 'call', ref: `glow.worker/${daemon.info.node}`, method: 'status' });
const jobsOf = (daemon: DaemonProcess) => daemon.op<JobSummary[]>({ op: 'call', ref: `glow.jobs/${daemon.info.node}`, method: 'list' });

/** Fills the form with `job` and submits it. */
async function submitFromPage(page: Page, job: object): Promise<void> {
  await page.locator('#job-file').fill(JSON.stringify(job, null, 2));
  await page.locator('#job-submit').click();
}

test('Jobs: a job submitted from the page runs as a live DAG, a cycle is refused, a long job is cancelled, a worker is paused', async () => {
  const { a, b } = await twoDaemons();
  const errors: string[] = [];
  const page = await web.openTab(a, errors, { reaches: b });
  await page.getByRole('tab', { name: 'Jobs' }).click();

  // Both daemons' schedulers are listed; the page's daemon's one is chosen.
  await page.locator(`#jobs-scheduler option[data-node="${b.info.node}"]`).waitFor({ state: 'attached', timeout: STEP });
  expect(await page.locator('#jobs-scheduler option:checked').getAttribute('data-node')).toBe(a.info.node);
  expect(await page.locator('#jobs-scheduler option:checked').textContent()).toMatch(/^alpha .*served this page/);
  await page.locator('#jobs-empty').waitFor({ timeout: STEP });
  // The form comes with an example job that parses.
  const example = await page.locator('#job-file').inputValue();
  expect(() => JSON.parse(example)).not.toThrow();

  // Two sleeps side by side, then a hash of their outputs.
  const demo = {
    name: 'demo',
    steps: [
      { name: 'left', kind: 'sleep', args: { ms: 1500, ticks: 10, value: 'left' }, after: [] },
      { name: 'right', kind: 'sleep', args: { ms: 1500, ticks: 10, value: 'right' }, after: [] },
      { name: 'digest', kind: 'hash', args: { text: [{ $from: 'left', pick: 'value' }, { $from: 'right', pick: 'value' }] } },
    ],
  };
  await submitFromPage(page, demo);
  const id = (await page.locator('#job-submit-result[data-id]').getAttribute('data-id', { timeout: STEP }))!;
  expect(id).toBeTruthy();
  await page.locator(`#jobs-list tr[data-job="${id}"]`).waitFor({ timeout: STEP });
  await page.locator(`#job-detail[data-job="${id}"]`).waitFor({ timeout: STEP });
  await waitForCount(page, '#job-dag .step', 3);
  // Laid out by depth: the sleeps first, the hash (which references both) after them, with an arrow from each.
  expect(await page.locator('#job-dag .dag-column[data-depth="0"] .step').evaluateAll((boxes) => boxes.map((box) => box.getAttribute('data-step')))).toEqual(['left', 'right']);
  expect(await page.locator('#job-dag .dag-column[data-depth="1"] .step').getAttribute('data-step')).toBe('digest');
  expect(await page.locator('#job-dag path[data-edge]').count()).toBe(2);

  // A progress bar moves: seen part-way at some point.
  await page.waitForFunction(
    () =>
      [...(globalThis as any).document.querySelectorAll('#job-dag .step[data-state="running"] [role="progressbar"]')].some((bar: any) => {
        const value = Number(bar.getAttribute('aria-valuenow'));
        return value > 0 && value < 100;
      }),
    undefined,
    { timeout: STEP },
  );

  // Then every step is done, the job too, and the hash's output is shown.
  await page.locator('#job-state[data-state="done"]').waitFor({ timeout: STEP });
  await waitForCount(page, '#job-dag .step[data-state="done"]', 3);
  const sha = createHash('sha256').update('leftright').digest('hex');
  await page.locator('#job-dag .step[data-step="digest"] .step-output', { hasText: sha }).waitFor({ timeout: STEP });
  // Each step shows where it ran and its attempts; every node is one of the two daemons.
  for (const step of ['left', 'right', 'digest']) {
    const box = page.locator(`#job-dag .step[data-step="${step}"]`);
    expect([a.info.node, b.info.node]).toContain(await box.getAttribute('data-node'));
    expect(await box.locator('.step-meta').getAttribute('data-attempts')).toBe('1');
  }
  await page.locator(`#jobs-list tr[data-job="${id}"][data-state="done"] td.num`, { hasText: '3/3' }).waitFor({ timeout: STEP });
  // At phone width nothing pushes the page sideways (the DAG scrolls inside its own box).
  expect(await page.evaluate(() => (globalThis as any).document.documentElement.scrollWidth as number)).toBeLessThanOrEqual(390);
  await page.screenshot({ path: `${ARTIFACTS}/jobs.png`, fullPage: true });
  await page.setViewportSize({ width: 1200, height: 900 });
  await page.screenshot({ path: `${ARTIFACTS}/jobs-wide.png`, fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });

  // A cycle is refused with its code and reason; nothing is stored, so the list does not grow.
  await submitFromPage(page, { name: 'cycle', steps: [{ name: 'x', kind: 'hash', after: ['y'] }, { name: 'y', kind: 'hash', after: ['x'] }] });
  await page.locator('#job-submit-result[data-code="badarg"][data-reason="cycle"]', { hasText: 'badarg' }).waitFor({ timeout: STEP });
  // Two polls later (the second one asked after the refusal) the list still holds one job, here and at the scheduler.
  await waitForRefresh(page, '#jobs-list', await refreshCount(page, '#jobs-list'), 2);
  expect(await page.locator('#jobs-list tr[data-job]').count()).toBe(1);
  expect((await jobsOf(a)).length).toBe(1);
  // Invalid JSON is refused in the page.
  await page.locator('#job-file').fill('{"name": ');
  await page.locator('#job-submit').click();
  await page.locator('#job-submit-result[data-code="badjson"]').waitFor({ timeout: STEP });

  // A long job (two minute-long sleeps), cancelled from the page while it runs.
  await submitFromPage(page, {
    name: 'long',
    steps: [
      { name: 'one', kind: 'sleep', args: { ms: 60_000, ticks: 60 }, after: [] },
      { name: 'two', kind: 'sleep', args: { ms: 60_000, ticks: 60 }, after: [] },
    ],
  });
  const long = (await page.locator(`#job-submit-result[data-id]:not([data-id="${id}"])`).getAttribute('data-id', { timeout: STEP }))!;
  await page.locator(`#job-detail[data-job="${long}"][data-watching]`).waitFor({ timeout: STEP });
  await waitForCount(page, '#job-dag .step[data-state="running"]', 2);
  await waitFor(async () => (await workerStatus(a)).running + (await workerStatus(b)).running === 2, STEP, 'two steps running on the workers', 50);
  expect(await page.locator('#jobs-list tr[data-job]').evaluateAll((list) => list.map((row) => row.getAttribute('data-job')))).toEqual([long, id]);
  await page.locator('#job-cancel').click();
  await page.locator('#job-state[data-state="cancelled"]').waitFor({ timeout: STEP });
  await page.locator(`#jobs-list tr[data-job="${long}"][data-state="cancelled"]`).waitFor({ timeout: STEP });
  expect(await page.locator('#job-cancel').isHidden()).toBe(true);
  // Its steps were ended wherever they ran: both workers report nothing running, here and in the page.
  await waitFor(async () => (await workerStatus(a)).running === 0 && (await workerStatus(b)).running === 0, STEP, 'both workers idle', 50);
  for (const daemon of [a, b]) await page.locator(`#workers li[data-node="${daemon.info.node}"][data-running="0"]`).waitFor({ timeout: STEP });
  // The watch of a final job has ended; choosing the first job again shows it as it ended.
  await page.locator(`#job-detail:not([data-watching])`).waitFor({ timeout: STEP });
  await page.locator(`#jobs-list button[data-select="${id}"]`).click();
  await page.locator(`#job-detail[data-job="${id}"] #job-state[data-state="done"]`).waitFor({ timeout: STEP });

  // Pause b's worker from the page, then resume it.
  const bWorker = page.locator(`#workers li[data-node="${b.info.node}"]`);
  await bWorker.locator('button[data-toggle]', { hasText: 'Pause' }).click();
  await page.locator(`#workers li[data-node="${b.info.node}"][data-available="false"]`, { hasText: 'unavailable' }).waitFor({ timeout: STEP });
  expect(await bWorker.locator('button[data-toggle]').getAttribute('aria-pressed')).toBe('true');
  expect((await workerStatus(b)).available).toBe(false);
  // Keyboard: the toggle is a button that Enter presses.
  await bWorker.locator('button[data-toggle]').focus();
  await page.keyboard.press('Enter');
  await page.locator(`#workers li[data-node="${b.info.node}"][data-available="true"]`).waitFor({ timeout: STEP });
  expect((await workerStatus(b)).available).toBe(true);

  // Leaving the view while a job runs ends its watch; coming back opens it again.
  await submitFromPage(page, { name: 'again', steps: [{ name: 'nap', kind: 'sleep', args: { ms: 60_000, ticks: 60 } }] });
  const again = (await page.locator(`#job-submit-result[data-id]:not([data-id="${long}"])`).getAttribute('data-id', { timeout: STEP }))!;
  await page.locator(`#job-detail[data-job="${again}"][data-watching]`).waitFor({ timeout: STEP });
  await page.getByRole('tab', { name: 'Mesh' }).click();
  await page.locator('#job-detail:not([data-watching])').waitFor({ state: 'attached', timeout: STEP });
  await page.getByRole('tab', { name: 'Jobs' }).click();
  await page.locator(`#job-detail[data-job="${again}"][data-watching]`).waitFor({ timeout: STEP });
  await page.locator('#job-cancel').click();
  await page.locator('#job-state[data-state="cancelled"]').waitFor({ timeout: STEP });
  await waitFor(async () => (await workerStatus(a)).running === 0 && (await workerStatus(b)).running === 0, STEP, 'both workers idle', 50);

  await page.context().close();
  expect(errors).toEqual([]);
}, TEST_TIMEOUT);
