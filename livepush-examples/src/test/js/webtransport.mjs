// WebTransport in headless Chromium (issue 16), run by WebTransportBrowserTest (mvn verify).
//
//   node webtransport.mjs <pageBaseUrl> <webTransportUrl> <certificateSha256Base64> <topic> <deadWebTransportUrl>
//
// seen: the page (http://127.0.0.1, a secure context) opens a WebTransport session with serverCertificateHashes,
// speaks livepush.v1 on one bidirectional stream (kind | uint32 length | JSON), subscribes, receives, cuts the
// session, has events published while away, resumes on a new session from its last id, then resumes on SSE from
// the position the WebTransport session left it at.
// client: livepush.js (served by the server) picks WebTransport when given webTransportUrl, and receives.
// fallback: livepush.js with a webTransportUrl where nothing listens falls back to WebSocket and resumes from the
// id it subscribed from.
// datagrams: livepush.js with datagrams: true follows a keep-latest topic and a reliable one: the reliable events
// come on the stream in order, the keep-latest one as a datagram, and the position stays at the last stream event.
// Prints ONE JSON line; waits only on messages, states and responses.
import { launchChromium, logger, within as withinMs } from './harness.mjs';

const [pageBase, wtUrl, hash, topic, deadWtUrl] = process.argv.slice(2);
const log = logger('webtransport');
const TIMEOUT = 30_000;

async function scenario({ wtUrl, hash, topic, timeout }) {
  const seen = { first: [], resumed: [], sse: [] };
  const enc = new TextEncoder();
  const dec = new TextDecoder('utf-8', { fatal: true });
  const within = (p, what) => Promise.race([p, new Promise((_, reject) =>
    setTimeout(() => reject(new Error(`timed out: ${what}`)), timeout))]);
  const publish = async (count) => {
    const res = await fetch(`/test/publish?topic=${topic}&count=${count}`, { method: 'POST' });
    if (!res.ok) throw new Error(`publish: HTTP ${res.status}`);
    return (await res.json()).ids;
  };
  async function session() {
    const wt = new WebTransport(wtUrl, {
      serverCertificateHashes: [{ algorithm: 'sha-256', value: Uint8Array.from(atob(hash), (c) => c.charCodeAt(0)) }],
    });
    await within(wt.ready, 'the session to be ready');
    const stream = await wt.createBidirectionalStream();
    const writer = stream.writable.getWriter();
    const reader = stream.readable.getReader();
    let buf = new Uint8Array(0);
    async function next(what) {
      for (;;) {
        if (buf.length >= 5) {
          const len = new DataView(buf.buffer, buf.byteOffset, buf.byteLength).getUint32(1);
          if (buf.length >= 5 + len) {
            const kind = buf[0];
            const body = dec.decode(buf.subarray(5, 5 + len));
            buf = buf.slice(5 + len);
            if (kind !== 1) throw new Error(`unexpected message kind ${kind}`);
            return JSON.parse(body);
          }
        }
        const { value, done } = await within(reader.read(), what);
        if (done) throw new Error(`stream ended while awaiting ${what}`);
        const joined = new Uint8Array(buf.length + value.length);
        joined.set(buf);
        joined.set(value, buf.length);
        buf = joined;
      }
    }
    function send(message) {
      const body = enc.encode(JSON.stringify(message));
      const framed = new Uint8Array(5 + body.length);
      framed[0] = 1;
      new DataView(framed.buffer).setUint32(1, body.length);
      framed.set(body, 5);
      return writer.write(framed);
    }
    return { wt, next, send };
  }

  // 1. Subscribe and receive.
  const s1 = await session();
  await s1.send({ type: 'subscribe', topics: [topic], ref: 'a' });
  seen.subscribed = await s1.next('subscribed');
  seen.published = await publish(2);
  for (let i = 0; i < 2; i++) seen.first.push((await s1.next('a live event')).id);
  let last = seen.first[seen.first.length - 1];
  // 2. Cut the session; events are published while the page is away.
  s1.wt.close({ closeCode: 4000, reason: 'cut' });
  await within(s1.wt.closed, 'the session to close');
  seen.missed = await publish(2);
  // 3. Resume on a new session from the last id: the missed events, then `subscribed` at the position.
  const s2 = await session();
  await s2.send({ type: 'subscribe', topics: [topic], from: last, ref: 'b' });
  for (;;) {
    const m = await s2.next('the replay');
    if (m.type === 'event') seen.resumed.push(m.id);
    else { seen.resumedMarker = m; break; }
  }
  last = seen.resumedMarker.id;
  s2.wt.close();
  await within(s2.wt.closed, 'the second session to close');
  // 4. Resume on SSE from the position WebTransport left the page at.
  seen.afterWebTransport = await publish(1);
  const es = new EventSource(`/sse?topic=${topic}&lastEventId=${encodeURIComponent(last)}`);
  await within(new Promise((resolve, reject) => {
    es.onmessage = (e) => { seen.sse.push(e.lastEventId); if (seen.sse.length === 1) resolve(); };
    es.onerror = () => { if (es.readyState === EventSource.CLOSED) reject(new Error('EventSource closed')); };
  }), 'the SSE replay');
  es.close();
  return seen;
}

/** livepush.js with `webTransportUrl`: the transports it went through and the events it got. */
async function client({ wtUrl, hash, topic, from, count, timeout }) {
  const { LivePushClient } = await import('/livepush/livepush.js');
  const seen = { states: [], events: [] };
  const value = Uint8Array.from(atob(hash), (c) => c.charCodeAt(0));
  const wanted = new Promise((resolve, reject) => {
    setTimeout(() => reject(new Error(`timed out: ${count} events; seen ${JSON.stringify(seen)}`)), timeout);
    let c = null;
    const done = () => { if (c && seen.events.length >= count && seen.published?.length) resolve(c); };
    c = new LivePushClient('/ws', {
      webTransportUrl: wtUrl,
      serverCertificateHashes: [{ algorithm: 'sha-256', value }],
      connectTimeout: 5000,
      onState: (state, d) => seen.states.push({ state, transport: d.transport ?? null, from: d.from ?? null }),
      onMessage: (m) => {
        if (m.type === 'subscribed' && !seen.published) {
          seen.published = [];
          // Published once the subscription is live (after its replay, if any): they come live.
          fetch(`/test/publish?topic=${topic}&count=2`, { method: 'POST' }).then((r) => r.json())
            .then((r) => { seen.published = r.ids; done(); }, reject);
        }
      },
      onEvent: (e) => {
        seen.events.push(e.id);
        done();
      },
    });
    c.subscribe([topic], from ? { from } : {});
  });
  const c = await wanted;
  seen.transport = c.transport;
  c.close();
  return seen;
}

/**
 * livepush.js with datagrams: true: two events of the reliable topic `rel`, then events of the keep-latest topic
 * `dg` until one came as a datagram (one more is published only when the last one's datagram was lost).
 */
async function datagrams({ wtUrl, hash, rel, dg, timeout }) {
  const { LivePushClient } = await import('/livepush/livepush.js');
  const seen = { rel: [], dg: [], datagram: [], relPublished: null, dgPublished: [] };
  const value = Uint8Array.from(atob(hash), (c) => c.charCodeAt(0));
  const publish = async (topic) => (await (await fetch(`/test/publish?topic=${topic}&count=1`,
    { method: 'POST' })).json()).ids;
  let c;
  await new Promise((resolve, reject) => {
    setTimeout(() => reject(new Error(`timed out: datagrams; seen ${JSON.stringify(seen)}`)), timeout);
    let live = false;
    let lossTimer = null;
    const publishDg = () => publish(dg).then((ids) => {
      seen.dgPublished.push(...ids);
      lossTimer = setTimeout(publishDg, 2000); // a lost datagram: the next value repairs it
      check();
    }, reject);
    // Done when both reliable events came and the first datagram's publish answer has been read too: on a fast
    // machine the datagram reaches the page before the /test/publish answer that names its id.
    const check = () => {
      if (seen.rel.length === 2 && seen.datagram.length > 0 && seen.dgPublished.includes(seen.datagram[0])) {
        clearTimeout(lossTimer);
        resolve();
      }
    };
    c = new LivePushClient('/ws', {
      webTransportUrl: wtUrl,
      serverCertificateHashes: [{ algorithm: 'sha-256', value }],
      datagrams: true,
      onMessage: (m) => {
        if (m.type === 'subscribed' && !live) {
          live = true;
          (async () => {
            seen.relPublished = [...await publish(rel), ...await publish(rel)];
            publishDg();
          })().catch(reject);
        }
      },
      onEvent: (e) => {
        if (e.topic === rel) seen.rel.push({ id: e.id, datagram: !!e.datagram });
        if (e.topic === dg) {
          seen.dg.push({ id: e.id, datagram: !!e.datagram });
          if (e.datagram) seen.datagram.push(e.id);
        }
        check();
      },
    });
    c.subscribe([rel, dg]);
  });
  seen.transport = c.transport;
  seen.position = c.position;
  c.close();
  return seen;
}

let browser;
const out = {};
try {
  browser = await launchChromium([], { quic: true });
  out.chromium = browser.version();
  const page = await browser.newPage();
  page.on('console', (m) => log(`page: ${m.text()}`));
  await page.goto(`${pageBase}/`);
  out.seen = await withinMs(page.evaluate(scenario, { wtUrl, hash, topic, timeout: TIMEOUT }), 'the scenario',
    4 * TIMEOUT);
  // livepush.js over WebTransport: live events after it opened.
  out.client = await page.evaluate(client, { wtUrl, hash, topic: `${topic}.js`, count: 2, timeout: TIMEOUT });
  // Falls back to WebSocket from a position: the two events after `from` (published before), then two live.
  const before = await page.evaluate(async (t) => (await (await fetch(`/test/publish?topic=${t}&count=3`,
    { method: 'POST' })).json()).ids, `${topic}.fb`);
  out.fallback = await page.evaluate(client, { wtUrl: deadWtUrl, hash, topic: `${topic}.fb`, from: before[0],
    count: 4, timeout: TIMEOUT });
  out.fallback.before = before;
  out.datagrams = await page.evaluate(datagrams, { wtUrl, hash, rel: `${topic}.rel`, dg: `${topic}.dg`,
    timeout: TIMEOUT });
} catch (e) {
  out.error = String(e && e.stack || e);
} finally {
  if (browser) await browser.close().catch(() => {});
}
console.log(JSON.stringify(out));
process.exit(out.error ? 1 : 0);
