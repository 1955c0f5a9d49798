// Many EventSources on one origin over HTTP/2 (TLS, ALPN h2) in headless Chromium: over HTTP/1.1 the browser
// allows six connections per origin, so the seventh stream would never open; over HTTP/2 they are streams of one
// connection.
//
//   node h2-streams.mjs <pageUrl> <count>
//
// The page (served by the test) opens <count> EventSources, /m/0 .. /m/<count-1>; once every one has its
// livepush.position (it is open and live) the page asks the test to publish one event per topic (POST /publish)
// and waits for each stream to receive its own. Prints ONE JSON line:
// {"opened":n,"received":["live 0",...],"protocol":"h2"} (protocol: the page's own navigation, from Resource
// Timing), or {"error":"..."}. Waits on events, no sleeps; gives up after 30 s and reports what it saw.
import { chromium } from 'playwright-core';

const [pageUrl, count] = process.argv.slice(2);
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
try {
  const context = await browser.newContext({ ignoreHTTPSErrors: true }); // the test's self-signed certificate
  const page = await context.newPage();
  await page.goto(pageUrl);
  const result = await page.evaluate(async (n) => {
    const opened = new Set();
    const received = new Array(n).fill(null);
    let published = false;
    const done = new Promise((resolve) => {
      const deadline = setTimeout(resolve, 30000);
      for (let i = 0; i < n; i++) {
        const es = new EventSource('/m/' + i);
        es.addEventListener('livepush.position', async () => {
          opened.add(i);
          if (opened.size === n && !published) {
            published = true;
            await fetch('/publish', { method: 'POST' });
          }
        });
        es.onmessage = (e) => {
          received[i] = e.data;
          es.close();
          if (received.every((r) => r !== null)) {
            clearTimeout(deadline);
            resolve();
          }
        };
      }
    });
    await done;
    const nav = performance.getEntriesByType('navigation')[0];
    return { opened: opened.size, received, protocol: nav ? nav.nextHopProtocol : null };
  }, Number(count));
  console.log(JSON.stringify(result));
} catch (e) {
  console.log(JSON.stringify({ error: String(e) }));
} finally {
  await browser.close();
}
