// livepush.js behind a proxy that buffers streamed responses and blocks upgrades, in headless Chromium: the
// WebSocket handshake fails, the SSE stream never delivers (connectTimeout), and the client falls back to
// long-polling, resuming from the id the page subscribed from; then events published live arrive in order.
//
//   node longpoll-fallback.mjs <pageUrl (through the proxy)> <controlUrl (the server itself)>
//
// Prints ONE JSON line: {"published":[ids expected, in order],"seen":{states,events,resets},"transport":..}.
// Waits on conditions in the page (waitForFunction), never on sleeps.
import { controller, launchChromium } from './harness.mjs';

const [pageUrl, controlUrl] = process.argv.slice(2);
const post = controller(controlUrl, 60_000);
const browser = await launchChromium();
try {
  const page = await browser.newPage();
  await page.goto(pageUrl);
  const before = await post('/test/lp-publish?count=5');
  await page.evaluate(async (from) => {
    const { LivePushClient } = await import('/livepush/livepush.js');
    const seen = { states: [], events: [], resets: [] };
    window.seen = seen;
    window.client = new LivePushClient('/ws', {
      sseUrl: '/api/live', pollUrl: '/api/poll', connectTimeout: 1500,
      onState: (state, d) => seen.states.push({ state, transport: d.transport ?? null, from: d.from ?? null }),
      onEvent: (e) => seen.events.push({ id: e.id, topic: e.topic, data: e.data }),
      onReset: (r) => seen.resets.push(r),
    });
    window.client.subscribe(['lp:a', 'lp:b'], { from });
  }, before.ids[0]);
  const opts = { timeout: 60000, polling: 50 };
  await page.waitForFunction(() => window.client.transport === 'longpoll' && window.client.state === 'open',
    null, opts);
  const published = before.ids.slice(1);
  for (const count of [20, 7]) { // two live rounds: the second one comes on a later poll
    const live = await post(`/test/lp-publish?count=${count}`);
    published.push(...live.ids);
    await page.waitForFunction((n) => window.seen.events.length >= n, published.length, opts);
  }
  const seen = await page.evaluate(() => window.seen);
  const transport = await page.evaluate(() => window.client.transport);
  await page.evaluate(() => window.client.close());
  console.log(JSON.stringify({ published, seen, transport }));
} finally {
  await browser.close();
}
