/**
 * Waits on what the page shows, for the browser tests: a number of elements, the attributes of a
 * list, the next refresh of a view (its `data-refreshed` count). Each is bounded and says, when it
 * times out, what the page showed instead; none waits for time to pass.
 */
import type { Page } from 'playwright-core';

/** What any one wait may take, ms. */
export const STEP = 10_000;

/** What the in-page functions get: selectors, attribute names, counts. */
type Arg = Record<string, string | number>;

/** Runs a `waitForFunction` wait; on timeout, throws `what` with what the page shows now (`now`, read in the page). */
async function until(page: Page, check: (arg: Arg) => boolean, arg: Arg, timeout: number, what: string, now: (arg: Arg) => unknown): Promise<void> {
  try {
    await page.waitForFunction(check, arg, { timeout });
  } catch (error) {
    const seen = await page.evaluate(now, arg).catch(() => '(the page is gone)');
    throw new Error(`${what} within ${timeout} ms; the page shows ${JSON.stringify(seen)}`, { cause: error });
  }
}

/** Waits until exactly `count` elements match `selector`. */
export async function waitForCount(page: Page, selector: string, count: number, timeout = STEP): Promise<void> {
  const found = (arg: Arg) => (globalThis as any).document.querySelectorAll(arg.selector).length as number;
  await until(page, (arg) => (globalThis as any).document.querySelectorAll(arg.selector).length === arg.count, { selector, count }, timeout, `${count} × ${selector}`, found);
}

/** Waits until the elements that match `selector` carry `attribute` with exactly `values`, in document order. */
export async function waitForAttributes(page: Page, selector: string, attribute: string, values: string[], timeout = STEP): Promise<void> {
  const read = (arg: Arg) => [...(globalThis as any).document.querySelectorAll(arg.selector)].map((element: any) => element.getAttribute(arg.attribute) as string | null);
  await until(
    page,
    (arg) => JSON.stringify([...(globalThis as any).document.querySelectorAll(arg.selector)].map((element: any) => element.getAttribute(arg.attribute))) === arg.expected,
    { selector, attribute, expected: JSON.stringify(values) },
    timeout,
    `${selector} with ${attribute} ${JSON.stringify(values)}`,
    read,
  );
}

/** How many times the view drew the listing that `selector` shows (its `data-refreshed`; 0 before the first). */
export async function refreshCount(page: Page, selector: string): Promise<number> {
  return Number((await page.locator(selector).getAttribute('data-refreshed')) ?? 0);
}

/** Waits until the listing that `selector` shows was drawn `more` times after it had been drawn `seen` times. */
export async function waitForRefresh(page: Page, selector: string, seen: number, more = 1, timeout = STEP): Promise<void> {
  const count = (arg: Arg) => Number((globalThis as any).document.querySelector(arg.selector)?.dataset.refreshed ?? 0);
  await until(
    page,
    (arg) => Number((globalThis as any).document.querySelector(arg.selector)?.dataset.refreshed ?? 0) >= Number(arg.target),
    { selector, target: seen + more },
    timeout,
    `${selector} refreshed ${more} more time(s) after ${seen}`,
    count,
  );
}
