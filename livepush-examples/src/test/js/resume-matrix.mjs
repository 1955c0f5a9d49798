// Resume matrix: every client kind resumes through a cut connection, run by ResumeMatrixTest (mvn verify).
//
//   node --experimental-eventsource resume-matrix.mjs <pageBaseUrl> <controlBaseUrl> [scenario...]
//
// pageBaseUrl is a TCP proxy in front of the server that the control endpoint /test/cut cuts; controlBaseUrl
// reaches the server directly. Each scenario records what its client saw (ids, data, resets) and prints it in
// ONE JSON line on stdout; the Java test judges it against what was published. Exit 0 = every scenario ran,
// 1 = one could not (timeout, crash); details on stderr. Waits only on events and control responses, no sleeps.
//
// SSE clients (issue: the stream position must reach every EventSource implementation): open a quiet topic, wait
// for the position livepush sends after the replay, cut the connection, publish one event, let the client
// reconnect by itself: the event must arrive, with no reset. WebSocket clients (livepush.js over Node `ws` and in
// Chromium): two topics, cut several times while both are published: every event once, in offset order.
import { EventSource as NpmEventSource } from 'eventsource';
import WebSocket from 'ws';
import { controller, logger, runScenarios, within as withinMs, signal } from './harness.mjs';

const [pageBase, controlBase, ...only] = process.argv.slice(2);
if (!pageBase || !controlBase) {
  console.error('usage: node --experimental-eventsource resume-matrix.mjs <pageBaseUrl> <controlBaseUrl> [scenario...]');
  process.exit(2);
}
const TIMEOUT = 15_000;
const WAIT = { timeout: TIMEOUT, polling: 20 };
const log = logger('matrix');

const control = controller(controlBase, TIMEOUT);
const within = (promise, what) => withinMs(promise, what, TIMEOUT);

// ---- SSE: one EventSource implementation through a cut ---------------------------------------------------

/** Runs the quiet-topic reproduction with an EventSource constructor (WHATWG API: undici's, npm's). */
async function sseReproduction(name, EventSourceImpl) {
  const topic = `quiet.${name}`;
  const seen = { positions: [], messages: [], resets: [], errors: 0 };
  const position = signal();
  const message = signal();
  const es = new EventSourceImpl(`${pageBase}/sse?topic=${topic}`);
  try {
    es.addEventListener('livepush.position', (e) => { seen.positions.push(e.lastEventId); position.resolve(); });
    es.addEventListener('reset', (e) => seen.resets.push(e.data));
    es.onmessage = (e) => { seen.messages.push({ id: e.lastEventId, data: e.data }); message.resolve(); };
    es.onerror = () => { seen.errors++; };
    await within(position.promise, `${name}: the stream position`);
    // Cut before the first event; the event is published while the client is away.
    seen.cut = await control(`/test/cut?topics=${topic}&count=1`);
    await within(message.promise, `${name}: the event published while cut`);
  } finally {
    es.close();
  }
  return { topic, ...seen };
}

async function chromiumReproduction(browser) {
  const page = await (await browser.newContext()).newPage();
  try {
    await page.goto(pageBase + '/matrix.html');
    const topic = 'quiet.chromium';
    await page.evaluate((t) => {
      const seen = window.seen = { positions: [], messages: [], resets: [], errors: 0 };
      const es = window.es = new EventSource(`/sse?topic=${t}`);
      es.addEventListener('livepush.position', (e) => seen.positions.push(e.lastEventId));
      es.addEventListener('reset', (e) => seen.resets.push(e.data));
      es.onmessage = (e) => seen.messages.push({ id: e.lastEventId, data: e.data });
      es.onerror = () => { seen.errors++; };
    }, topic);
    await page.waitForFunction(() => window.seen.positions.length > 0, null, WAIT);
    const cut = await control(`/test/cut?topics=${topic}&count=1`);
    await page.waitForFunction(() => window.seen.messages.length > 0, null, WAIT);
    const seen = await page.evaluate(() => { window.es.close(); return window.seen; });
    return { topic, cut, ...seen };
  } finally {
    await page.context().close();
  }
}

/** livepush-sse.js: a page reloaded before its stream's first event resumes from the stored position. */
async function sseHelperReload(browser) {
  const page = await (await browser.newContext()).newPage();
  const topic = 'quiet.reload';
  const open = (t) => page.evaluate(async (tp) => {
    const { openEventStream } = await import('/livepush/livepush-sse.js');
    const seen = window.seen = { events: [], resets: [] };
    window.stream = openEventStream(`/sse?topic=${tp}`, {
      onEvent: (e) => seen.events.push({ id: e.id, data: e.data, type: e.type }),
      onReset: (r) => seen.resets.push(r),
    });
  }, t);
  try {
    await page.goto(pageBase + '/matrix.html');
    await open(topic);
    await page.waitForFunction(() => window.stream.lastEventId !== null, null, WAIT);
    const stored = await page.evaluate(() => window.stream.lastEventId);
    await page.goto('about:blank');
    // The page is gone: cut anything left of its connection, publish, then come back.
    const cut = await control(`/test/cut?topics=${topic}&count=1`);
    await page.goto(pageBase + '/matrix.html');
    await open(topic);
    await page.waitForFunction(() => window.seen.events.length > 0, null, WAIT);
    const seen = await page.evaluate(() => { window.stream.close(); return window.seen; });
    return { topic, stored, cut, ...seen };
  } finally {
    await page.context().close();
  }
}

// ---- WebSocket: livepush.js keeps one order across topics through cuts ------------------------------------

const ROUNDS = 4;

/**
 * Drives a LivePushClient through `api` (in Node or in a page): subscribe two topics, then ROUNDS times publish
 * live, cut while publishing both topics, and wait until everything published so far has arrived.
 */
async function orderRounds(name, api) {
  const topics = [`order.${name}.a`, `order.${name}.b`];
  await api.start(topics);
  const published = [];
  for (let round = 0; round < ROUNDS; round++) {
    published.push(...await control(`/test/publish?topics=${topics}&count=3`));
    published.push(...(await control(`/test/cut?topics=${topics}&count=6`)).published);
    await api.waitFor(published.length);
  }
  published.push(...await control(`/test/publish?topics=${topics}&count=2`));
  await api.waitFor(published.length);
  const result = await api.finish();
  return { topics, published, ...result };
}

async function loadClientModule() {
  const src = await (await fetch(controlBase + '/livepush/livepush.js')).text();
  return import('data:text/javascript;base64,' + Buffer.from(src).toString('base64'));
}

async function nodeWsOrder() {
  const { LivePushClient } = await loadClientModule();
  const received = [];
  const resets = [];
  let waiting = null;
  let client;
  return orderRounds('node', {
    async start(topics) {
      const subscribed = signal();
      client = new LivePushClient(pageBase.replace(/^http/, 'ws') + '/ws', {
        WebSocket, minDelay: 20, maxDelay: 200,
        onEvent: (e) => { received.push({ topic: e.topic, id: e.id, data: e.data }); if (waiting) waiting(); },
        onReset: (r) => resets.push(r),
        onMessage: (m) => { if (m.type === 'subscribed') subscribed.resolve(); },
      });
      // Called while connecting, subscribe() resolves at once and goes out on open: wait for the answer.
      client.subscribe(topics);
      await within(subscribed.promise, 'node ws: subscribed');
    },
    async waitFor(n) {
      await within(new Promise((resolve) => {
        waiting = () => { if (received.length >= n) { waiting = null; resolve(); } };
        waiting();
      }), `node ws: ${n} events`);
    },
    async finish() {
      const position = client.position;
      client.close();
      return { received, resets, position };
    },
  });
}

async function chromiumWsOrder(browser) {
  const page = await (await browser.newContext()).newPage();
  try {
    await page.goto(pageBase + '/matrix.html');
    return await orderRounds('chromium', {
      async start(topics) {
        await page.evaluate(async (t) => {
          const { LivePushClient } = await import('/livepush/livepush.js');
          window.received = [];
          window.resets = [];
          let subscribed;
          const answered = new Promise((r) => { subscribed = r; });
          window.client = new LivePushClient('/ws', {
            minDelay: 20, maxDelay: 200,
            onEvent: (e) => window.received.push({ topic: e.topic, id: e.id, data: e.data }),
            onReset: (r) => window.resets.push(r),
            onMessage: (m) => { if (m.type === 'subscribed') subscribed(); },
          });
          window.client.subscribe(t); // sent on open; wait for the server's answer
          await answered;
        }, topics);
      },
      async waitFor(n) {
        await page.waitForFunction((k) => window.received.length >= k, n, WAIT);
      },
      async finish() {
        return page.evaluate(() => {
          const position = window.client.position;
          window.client.close();
          return { received: window.received, resets: window.resets, position };
        });
      },
    });
  } finally {
    await page.context().close();
  }
}

/** LivePushClient.position hands a connection over to SSE: the stream resumes every topic from it. */
async function handover() {
  const { LivePushClient } = await loadClientModule();
  const topics = ['handover.a', 'handover.b'];
  const live = signal();
  const subscribed = signal();
  let count = 0;
  const client = new LivePushClient(pageBase.replace(/^http/, 'ws') + '/ws', {
    WebSocket, onEvent: () => { if (++count === 4) live.resolve(); },
    onMessage: (m) => { if (m.type === 'subscribed') subscribed.resolve(); },
  });
  client.subscribe(topics);
  await within(subscribed.promise, 'handover: subscribed');
  const before = await control(`/test/publish?topics=${topics}&count=4`);
  await within(live.promise, 'handover: live events');
  const position = client.position;
  client.close();
  const missed = await control(`/test/publish?topics=${topics}&count=3`);
  const got = [];
  const all = signal();
  const es = new NpmEventSource(`${pageBase}/sse?topic=${topics}&lastEventId=${position}`);
  try {
    es.onmessage = (e) => { got.push({ id: e.lastEventId, data: e.data }); if (got.length === missed.length) all.resolve(); };
    await within(all.promise, 'handover: the SSE replay');
  } finally {
    es.close();
  }
  return { before, position, missed, got };
}

const scenarios = {
  undici: () => sseReproduction('undici', globalThis.EventSource),
  eventsource: () => sseReproduction('eventsource', NpmEventSource),
  chromium: (browser) => chromiumReproduction(browser),
  sseReload: (browser) => sseHelperReload(browser),
  wsOrderNode: () => nodeWsOrder(),
  wsOrderChromium: (browser) => chromiumWsOrder(browser),
  handover: () => handover(),
};

await runScenarios(scenarios, only, log, () => {
  if (typeof globalThis.EventSource !== 'function') throw new Error('run node with --experimental-eventsource');
});
