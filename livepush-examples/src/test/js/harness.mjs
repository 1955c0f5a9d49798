// Shared by the Node scripts the Java tests run: headless Chromium, the scenario runner and its one JSON line,
// control requests to the server, and waits without sleeps.
import { chromium } from 'playwright-core';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/**
 * Headless Chromium as every script runs it: CHROMIUM_PATH or /usr/bin/chromium, no sandbox, GPU or QUIC (QUIC
 * stays on with `{ quic: true }`, for WebTransport); `extraArgs` are added to its command line.
 */
export function launchChromium(extraArgs = [], { quic = false } = {}) {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    timeout: 30_000,
    args: ['--no-sandbox', '--disable-gpu', ...(quic ? [] : ['--disable-quic']), '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync', ...extraArgs],
  });
}

/** A logger to stderr: `[tag  1234 ms] message`, the time since the script started. */
export function logger(tag) {
  const t0 = performance.now();
  return (m) => console.error(`[${tag} ${(performance.now() - t0).toFixed(0).padStart(5)} ms] ${m}`);
}

/**
 * Runs each scenario (`name: async (browser, out) => result`; all of them, or those named in `only`) in one
 * Chromium, records its result under its name (unless it returned nothing and wrote `out` itself) or its failure
 * under `<name>Error`, prints ONE JSON line on stdout and exits: 0 = every scenario ran (the Java test judges),
 * 1 = one could not (timeout, crash); details on stderr. `precondition` runs first; what it throws is `error`.
 */
export async function runScenarios(scenarios, only, log, precondition = () => {}) {
  let browser;
  let status = 0;
  const out = {};
  try {
    precondition();
    browser = await launchChromium();
    log(`chromium ${browser.version()}`);
    for (const [name, run] of Object.entries(scenarios)) {
      if (only.length && !only.includes(name)) continue;
      const start = performance.now();
      try {
        const result = await run(browser, out);
        if (result !== undefined) out[name] = result;
        log(`${name}: ran in ${(performance.now() - start).toFixed(0)} ms`);
      } catch (e) {
        status = 1;
        out[name + 'Error'] = String(e && e.stack || e);
        log(`${name}: FAILED ${e && e.stack || e}`);
      }
    }
  } catch (e) {
    status = 1;
    out.error = String(e && e.stack || e);
    log(`FAILED ${e && e.stack || e}`);
  } finally {
    if (browser) await browser.close().catch(() => {});
  }
  process.stdout.write(JSON.stringify(out) + '\n');
  process.exit(status);
}

/** POSTs to the server's test-only control endpoint (never through the cuttable proxy); resolves with its JSON. */
export function controller(controlBase, timeout) {
  return async function control(pathAndQuery) {
    const res = await fetch(controlBase + pathAndQuery, { method: 'POST', signal: AbortSignal.timeout(timeout) });
    if (!res.ok) throw new Error(`control ${pathAndQuery}: HTTP ${res.status} ${await res.text()}`);
    return res.json();
  };
}

/** Resolves with the promise's value, or rejects after `timeout` ms saying what was awaited. */
export function within(promise, what, timeout) {
  let timer;
  const expired = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), timeout); });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

/** A promise plus its resolve function. */
export function signal() {
  let resolve;
  const promise = new Promise((r) => { resolve = r; });
  return { promise, resolve };
}
