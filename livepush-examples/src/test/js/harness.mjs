// Shared by the Node scripts the Java tests run: control requests to the server and waits without sleeps.

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
