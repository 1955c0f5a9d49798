// Resume by time with clients someone else wrote, run by ResumeByTimeTest (mvn verify).
//
//   node --experimental-eventsource resume-by-time.mjs <baseUrl> <since> <count>
//
// The server's topic `t` holds events published before and after <since> (an RFC 3339 time). Every client starts
// by time and collects the data of the first <count> events: undici's EventSource and the npm `eventsource`
// package with ?since=, Node `ws` with a subscribe whose "from" is the time, livepush.js over WebSocket (from: a
// Date) and over long-polling (pollUrl, from: the string), and livepush-sse.js (since option, undici's EventSource).
// Prints ONE JSON line { <client>: [data...] }; the Java test compares each with the events after <since>.
// Waits only on events, never sleeps.
import { EventSource as NpmEventSource } from 'eventsource';
import WebSocket from 'ws';
import { within as withinMs, signal } from './harness.mjs';

const [base, since, countText] = process.argv.slice(2);
const count = Number(countText);
const TIMEOUT = 15_000;
const within = (promise, what) => withinMs(promise, what, TIMEOUT);
const sseUrl = `${base}/events?topic=t`;

/** Collects `count` data strings; `done` resolves once they are in. */
function collector() {
  const data = [];
  const done = signal();
  return { data, done, add(d) { data.push(d); if (data.length === count) done.resolve(); } };
}

async function eventSource(EventSourceImpl) {
  const c = collector();
  const es = new EventSourceImpl(`${sseUrl}&since=${encodeURIComponent(since)}`);
  es.onmessage = (e) => c.add(e.data);
  try {
    await within(c.done.promise, 'events');
  } finally {
    es.close();
  }
  return c.data;
}

async function rawWs() {
  const c = collector();
  const ws = new WebSocket(base.replace(/^http/, 'ws') + '/ws', 'livepush.v1');
  ws.on('open', () => ws.send(JSON.stringify({ type: 'subscribe', topics: ['t'], from: since })));
  ws.on('message', (m) => { const msg = JSON.parse(m.toString()); if (msg.type === 'event') c.add(msg.data); });
  try {
    await within(c.done.promise, 'events');
  } finally {
    ws.close();
  }
  return c.data;
}

async function livepushJs(options, from) {
  const src = await (await fetch(base + '/livepush/livepush.js')).text();
  const { LivePushClient } = await import('data:text/javascript;base64,' + Buffer.from(src).toString('base64'));
  const c = collector();
  const client = new LivePushClient(base.replace(/^http/, 'ws') + '/ws', { WebSocket, ...options,
    onEvent: (e) => c.add(e.data) });
  client.subscribe(['t'], { from });
  try {
    await within(c.done.promise, 'events');
  } finally {
    client.close();
  }
  return c.data;
}

async function sseHelper() {
  const src = await (await fetch(base + '/livepush/livepush-sse.js')).text();
  const { openEventStream } = await import('data:text/javascript;base64,' + Buffer.from(src).toString('base64'));
  const c = collector();
  const stream = openEventStream(sseUrl, { storage: null, since: new Date(since), onEvent: (e) => c.add(e.data) });
  try {
    await within(c.done.promise, 'events');
  } finally {
    stream.close();
  }
  return c.data;
}

const out = {};
const scenarios = {
  undici: () => eventSource(globalThis.EventSource),
  eventsource: () => eventSource(NpmEventSource),
  ws: rawWs,
  livepushJsWebSocket: () => livepushJs({ transports: ['websocket'] }, new Date(since)),
  // (livepush.js's SSE imports ./livepush-sse.js, which a module loaded from a data: URL cannot: the page
  // tests cover it; long-polling goes through the same #httpUrl)
  livepushJsLongPoll: () => livepushJs({ transports: ['longpoll'], pollUrl: base + '/poll' }, since),
  livepushSse: sseHelper,
};
for (const [name, run] of Object.entries(scenarios)) {
  try {
    out[name] = await run();
  } catch (e) {
    out[name] = { error: String(e && e.stack || e) };
    out.error = `${name} failed`;
  }
}
console.log(JSON.stringify(out));
process.exit(out.error ? 1 : 0);
