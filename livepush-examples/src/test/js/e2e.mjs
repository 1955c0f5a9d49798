// Browser end-to-end scenarios for the livepush example, in headless Chromium via playwright-core.
//
//   node e2e.mjs <pageBaseUrl> <controlBaseUrl> <artifactDir> [scenario...]
//
// pageBaseUrl is where the browser loads the example (BrowserEndToEndTest puts a TCP proxy there that it can
// cut); controlBaseUrl reaches the same server directly and serves the test-only /test/* endpoints that
// publish known sequences and cut the proxy. Prints ONE JSON line with every scenario's observations on
// stdout; the Java test compares them with what it published. Exit 0 = the scenarios ran (the Java side
// judges), 1 = a scenario could not run (timeout, crash); details on stderr.
//
// Synchronisation: only waits on page conditions (waitForFunction) and control-request responses; no sleeps.
import path from 'node:path';
import fs from 'node:fs';
import { controller, logger, runScenarios } from './harness.mjs';

const [pageBase, controlBase, artifactDir, ...only] = process.argv.slice(2);
if (!pageBase || !controlBase || !artifactDir) {
  console.error('usage: node e2e.mjs <pageBaseUrl> <controlBaseUrl> <artifactDir> [scenario...]');
  process.exit(2);
}
const WAIT = { timeout: 15_000, polling: 50 };
const log = logger('e2e');
fs.mkdirSync(artifactDir, { recursive: true });

const control = controller(controlBase, 30_000);

async function newPage(browser, name) {
  const context = await browser.newContext({ viewport: { width: 1000, height: 400 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') log(`[${name}] ${m.type()}: ${m.text()}`); });
  page.on('pageerror', (e) => log(`[${name}] page error: ${e.message}`));
  return page;
}

const received = (page) => page.evaluate(() => window.livepushScoreboard.received.slice());
const waitForCount = (page, n) => page.waitForFunction(
  (k) => window.livepushScoreboard && window.livepushScoreboard.received.length >= k, n, WAIT);

const scenarios = {
  // The WebSocket client's logic in Node against a scripted fake socket: backoff with full jitter, resume of
  // every topic from its own last id, the offline queue, and fatal close codes. Imports the module exactly as
  // the server serves it.
  async client(browser, out) {
    const src = await (await fetch(pageBase + '/livepush/livepush.js')).text();
    const { LivePushClient } = await import('data:text/javascript;base64,' + Buffer.from(src).toString('base64'));
    const sockets = [];
    class FakeSocket {
      constructor(url, protocols) { Object.assign(this, { url, protocols, sent: [], closed: null }); sockets.push(this); }
      send(text) { this.sent.push(JSON.parse(text)); }
      close(code) { this.closed = code; }
      open() { this.onopen(); }
      deliver(msg) { this.onmessage({ data: JSON.stringify(msg) }); }
      drop(code = 1006) { this.onclose({ code, reason: '' }); }
    }
    // The client opens its next socket from a backoff timer (a few ms here): yield until it has, bounded.
    const next = async (n) => {
      const deadline = performance.now() + 5_000;
      while (sockets.length < n) {
        if (performance.now() > deadline) throw new Error(`socket ${n} never opened`);
        await new Promise((r) => setImmediate(r));
      }
      return sockets[n - 1];
    };
    const states = [];
    const events = [];
    const client = new LivePushClient('ws://example.test/ws', {
      WebSocket: FakeSocket, minDelay: 8, maxDelay: 64, random: () => 0.5,
      onState: (s, d) => states.push(d && d.delay !== undefined ? `${s}:${d.delay}` : s),
      onEvent: (e) => events.push(e.id),
    });
    client.subscribe(['a', 'b']);
    let ws = await next(1);
    ws.open();
    ws.deliver({ type: 'subscribed', topics: ['a', 'b'], id: 'e-1', ref: ws.sent[0].ref });
    ws.deliver({ type: 'event', topic: 'a', id: 'e-2', event: null, data: 1 });
    ws.deliver({ type: 'event', topic: 'b', id: 'e-3', event: null, data: 2 });
    ws.deliver({ type: 'event', topic: 'a', id: 'e-4', event: null, data: 3 });
    const firstSubscribe = ws.sent[0];
    const positionLive = client.position; // every topic live: the last event's id
    // A topic added with an older position: the connection position no longer covers it.
    client.subscribe('c', { from: 'e-0' }).catch(() => {});
    const positionWithC = client.position;
    // Five failed attempts in a row: the ceilings double up to maxDelay (random 0.5: delay = ceiling / 2).
    ws.drop();
    for (let i = 2; i <= 6; i++) (await next(i)).drop();
    ws = await next(7);
    const queued = client.send('chat', { say: 'queued while away' });
    ws.open();
    const resume = ws.sent.slice();
    ws.deliver({ type: 'ack', ref: resume[resume.length - 1].ref });
    await queued;
    const positionWhileResuming = client.position;
    ws.deliver({ type: 'subscribed', topics: ['a', 'b', 'c'], id: 'e-9', ref: resume[0].ref });
    const positionResumed = client.position;
    // A refused subscribe rejects and is not retried on later connections.
    const refused = client.subscribe('secret').then(() => 'subscribed', (e) => e.code);
    const ask = ws.sent[ws.sent.length - 1];
    ws.deliver({ type: 'error', code: 'forbidden', message: 'not allowed', ref: ask.ref });
    const refusal = await refused;
    const topicsAfterRefusal = Object.keys(client.positions);
    ws.drop(1008);
    // fetchEventStream's parser (WHATWG HTML §9.2.6) on chunks split at awkward places: CR, LF and CRLF line
    // ends, a CRLF split across chunks, comments, ids, and an unterminated last event (dropped).
    const sseSrc = await (await fetch(pageBase + '/livepush/livepush-sse.js')).text();
    const { fetchEventStream } = await import('data:text/javascript;base64,' + Buffer.from(sseSrc).toString('base64'));
    const chunks = ['data: a\r', '\ndata: b\r\r', 'id: 7\nevent: x\ndata:  y \n\n:comment\n\n', 'data: c\n',
      '\ndata: unterminated'];
    const realFetch = globalThis.fetch;
    const parsed = [];
    globalThis.fetch = async () => new Response(new ReadableStream({
      pull(c) { if (chunks.length) c.enqueue(new TextEncoder().encode(chunks.shift())); else c.close(); },
    }), { status: 200, headers: { 'content-type': 'text/event-stream' } });
    try {
      await fetchEventStream('/x', { method: 'POST' }, (e) => parsed.push(e));
    } finally {
      globalThis.fetch = realFetch;
    }
    out.client = {
      parsed,
      protocols: sockets[0].protocols, firstSubscribe, positionLive, positionWithC, positionWhileResuming,
      positionResumed, refusal, topicsAfterRefusal, events, resume, states, statesAfterFatal: client.state,
      socketsAfterFatal: sockets.length,
    };
  },

  // Every published score shows, in order; then a screenshot for the README.
  async scoreboard(browser, out) {
    const page = await newPage(browser, 'scoreboard');
    await page.goto(pageBase + '/', { waitUntil: 'domcontentloaded' });
    await page.waitForFunction(() => document.getElementById('state').textContent === 'open', null, WAIT);
    const published = await control('/test/publish?count=24');
    await waitForCount(page, published.length);
    // Let the last highlight animation finish so the screenshot is crisp (a DOM condition, not a sleep).
    await page.waitForFunction(() => document.getAnimations().length === 0, null, WAIT);
    await page.screenshot({ path: path.join(artifactDir, 'scoreboard.png') });
    const dom = await page.$$eval('.match', (els) => els.map((e) => ({
      id: e.id, score: e.querySelector('.score').textContent, minute: e.querySelector('.minute').textContent })));
    log('scoreboard: all shown, screenshot taken');
    out.scoreboard = { published, received: await received(page), dom, state: await page.textContent('#state') };

    // The server drops every connection; events published meanwhile must be replayed, none twice.
    const before = (await received(page)).length;
    const cut = await control('/test/cut?publish=15');
    log(`scoreboard: cut ${cut.cut} connection(s)`);
    await page.waitForFunction(() => window.livepushScoreboard.states.includes('reconnecting'), null, WAIT);
    await page.waitForFunction((k) => window.livepushScoreboard.received.length >= k
      && document.getElementById('state').textContent === 'open', before + cut.published.length, WAIT);
    log('scoreboard: reconnected and caught up');
    const after = await control('/test/publish?count=6');
    await waitForCount(page, before + cut.published.length + after.length);
    out.drop = {
      cut: cut.cut, publishedWhileCut: cut.published, publishedAfter: after,
      received: await received(page), states: await page.evaluate(() => window.livepushScoreboard.states.slice()),
    };

    log('scoreboard: drop scenario done');
    // A reload resumes from the id kept in sessionStorage (?lastEventId=), not from "now".
    await page.goto('about:blank');
    const whileAway = await control('/test/publish?count=5');
    await page.goto(pageBase + '/', { waitUntil: 'domcontentloaded' });
    await waitForCount(page, whileAway.length);
    const live = await control('/test/publish?count=3');
    await waitForCount(page, whileAway.length + live.length);
    out.reload = { whileAway, live, received: await received(page) };
    await page.context().close();
  },

  // Viewer counts from presence: two pages each count 2 on every card; when one closes, the other drops to 1
  // from the presence.leave events (anonymous viewers leave as their connection closes; the test server's
  // presence grace is short anyway).
  async viewers(browser, out) {
    const a = await newPage(browser, 'viewer-a');
    const b = await newPage(browser, 'viewer-b');
    await Promise.all([a, b].map((p) => p.goto(pageBase + '/', { waitUntil: 'domcontentloaded' })));
    const labels = (page) => page.$$eval('.match', (els) => els.map((e) => ({
      id: e.id, viewers: e.querySelector('.viewers').textContent })));
    // Every card shows n; earlier scenarios' pages may still be leaving, so wait for the exact count.
    const waitViewers = (page, n) => page.waitForFunction((k) => {
      const els = [...document.querySelectorAll('.match .viewers')];
      return els.length > 0 && els.every((e) => e.textContent === k + ' watching');
    }, n, WAIT);
    await Promise.all([waitViewers(a, 2), waitViewers(b, 2)]);
    log('viewers: both pages show 2');
    out.viewers = { twoA: await labels(a), twoB: await labels(b) };
    const closedAt = performance.now();
    await b.context().close();
    await waitViewers(a, 1);
    log(`viewers: 1 shown ${(performance.now() - closedAt).toFixed(0)} ms after closing the other page`);
    out.viewers.one = await labels(a);
    out.viewers.events = await a.evaluate(() => window.livepushScoreboard.presence.slice());
    out.viewers.api = await (await fetch(controlBase + '/api/matches')).json();
    await a.context().close();
  },

  // The answer to a POSTed question arrives word by word.
  async ask(browser, out) {
    const page = await newPage(browser, 'ask');
    await page.goto(pageBase + '/ask.html', { waitUntil: 'domcontentloaded' });
    await page.fill('#question', 'How does livepush stream?');
    // Count DOM updates of the answer as they happen, in the page, independent of our polling.
    await page.evaluate(() => {
      window.answerMutations = [];
      new MutationObserver(() => window.answerMutations.push(document.getElementById('answer').textContent))
        .observe(document.getElementById('answer'), { childList: true, characterData: true, subtree: true });
    });
    await page.click('#send');
    // Observed mid-stream: some text, but not done yet.
    await page.waitForFunction(() => window.livepushAsk.snapshots.length >= 3 && !window.livepushAsk.done, null, WAIT);
    const midway = await page.evaluate(() => ({ text: document.getElementById('answer').textContent,
      streaming: document.getElementById('answer').classList.contains('streaming') }));
    await page.waitForFunction(() => window.livepushAsk.done && !document.getElementById('send').disabled, null, WAIT);
    out.ask = {
      midway,
      snapshots: await page.evaluate(() => window.livepushAsk.snapshots.slice()),
      mutations: await page.evaluate(() => window.answerMutations.length),
      final: await page.textContent('#answer'),
      state: await page.textContent('#state'),
    };
    await page.context().close();
  },

  // Two pages chat over WebSocket; a dropped WebSocket resumes without loss.
  async chat(browser, out) {
    const alice = await newPage(browser, 'alice');
    const bob = await newPage(browser, 'bob');
    const join = async (page, name) => {
      await page.goto(pageBase + '/chat.html', { waitUntil: 'domcontentloaded' });
      await page.fill('#name', name);
      await page.click('#join-button');
      await page.waitForFunction(() => window.livepushChat && window.livepushChat.joined, null, WAIT);
    };
    await join(alice, 'alice');
    log('chat: alice joined');
    await join(bob, 'bob');
    log('chat: bob joined');
    const members = (page) => page.$$eval('#members li', (els) => els.map((e) => e.textContent));
    const texts = (page) => page.evaluate(() => window.livepushChat.messages.map((m) => m.from + ': ' + m.text));
    const waitMembers = (page, names) => page.waitForFunction((n) => {
      const have = [...document.querySelectorAll('#members li')].map((e) => e.textContent).sort();
      return JSON.stringify(have) === JSON.stringify(n.slice().sort());
    }, names, WAIT);
    await waitMembers(alice, ['alice', 'bob']);
    await waitMembers(bob, ['alice', 'bob']);
    const say = async (page, text) => { await page.fill('#text', text); await page.press('#text', 'Enter'); };
    const waitText = (page, line) => page.waitForFunction(
      (l) => window.livepushChat.messages.some((m) => m.from + ': ' + m.text === l), line, WAIT);
    await say(alice, 'hello bob');
    await waitText(bob, 'alice: hello bob');
    await say(bob, 'hi alice');
    await waitText(alice, 'bob: hi alice');
    log('chat: talked');
    out.chat = { membersAlice: await members(alice), membersBob: await members(bob) };

    // Cut every connection; the server publishes into the room while both are away.
    const cut = await control('/test/cut-chat?count=8');
    for (const p of [alice, bob]) {
      await p.waitForFunction(() => window.livepushChat.states.includes('reconnecting'), null, WAIT);
      await p.waitForFunction((l) => window.livepushChat.messages.some((m) => m.from + ': ' + m.text === l)
        && window.livepushChat.state === 'open', 'server: ' + cut.published[cut.published.length - 1], WAIT);
    }
    log('chat: both resumed');
    await say(alice, 'still there?');
    await waitText(bob, 'alice: still there?');
    await waitText(alice, 'alice: still there?'); // her own message comes back to her page independently of bob's
    await waitMembers(bob, ['alice', 'bob']);
    out.chat.cut = cut.cut;
    out.chat.publishedWhileCut = cut.published.map((t) => 'server: ' + t);
    out.chat.alice = await texts(alice);
    out.chat.bob = await texts(bob);
    out.chat.statesAlice = await alice.evaluate(() => window.livepushChat.states.slice());
    await alice.screenshot({ path: path.join(artifactDir, 'chat.png'), fullPage: true });
    await alice.context().close();
    await bob.context().close();
  },
};

await runScenarios(scenarios, only, log);
