// Many EventSources on one origin over HTTP/2 (TLS, ALPN h2) in headless Chromium. Over HTTP/1.1 the browser
// holds at most six connections per origin, so the seventh EventSource would stay pending; over HTTP/2 they are
// streams of one connection.
//
//   node h2-streams.mjs <pageUrl> <count> <spkiSha256Base64>
//
// Chromium trusts the test's self-signed certificate by its key alone (--ignore-certificate-errors-spki-list),
// not by ignoring every certificate error. The page (served by the test) opens <count> EventSources,
// /m/0 .. /m/<count-1>; once every one has its livepush.position (it is open and live) the page POSTs /publish,
// whose answer is the server's own view at that moment ({"live":n,"connections":m}); then it waits for each
// stream to receive its event. Prints ONE JSON line:
// {"opened":n,"server":{..},"received":["live 0",...],"page":"h2"} (page: the navigation's protocol, from Resource
// Timing; an EventSource has no entry while it is open), or {"error":"..."}. Waits on events, no sleeps; the page
// gives up after 30 s.
import { launchChromium } from './harness.mjs';

const [pageUrl, count, spki] = process.argv.slice(2);
const browser = await launchChromium([`--ignore-certificate-errors-spki-list=${spki}`]);
try {
  const page = await browser.newPage();
  await page.goto(pageUrl);
  const result = await page.evaluate(async (n) => {
    const opened = new Set();
    const received = new Array(n).fill(null);
    let server = null;
    let failure = null;
    await new Promise((resolve) => {
      const deadline = setTimeout(() => { failure = 'timed out'; resolve(); }, 30000);
      for (let i = 0; i < n; i++) {
        const es = new EventSource('/m/' + i);
        es.addEventListener('livepush.position', async () => {
          if (opened.has(i)) return;
          opened.add(i);
          if (opened.size === n) {
            try {
              server = await (await fetch('/publish', { method: 'POST' })).json();
            } catch (e) {
              failure = 'publish: ' + e;
              resolve();
            }
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
    const nav = performance.getEntriesByType('navigation')[0];
    return { opened: opened.size, server, received, failure, page: nav ? nav.nextHopProtocol : null };
  }, Number(count));
  console.log(JSON.stringify(result));
} catch (e) {
  console.log(JSON.stringify({ error: String(e) }));
} finally {
  await browser.close();
}
