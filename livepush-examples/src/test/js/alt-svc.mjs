// HTTP/3 discovered through Alt-Svc in headless Chromium (issue 16): the page is loaded over HTTPS (TLS on TCP,
// HTTP/2), its response advertises the server's HTTP/3 listener (Alt-Svc: h3=":port"), and the page's later
// requests go to it over QUIC.
//
//   node alt-svc.mjs <pageUrl> <spkiSha256Base64>
//
// Chromium trusts the test's self-signed certificate by its key alone (--ignore-certificate-errors-spki-list; the
// same certificate serves TCP and QUIC), with QUIC on. The page fetches /probe 20 times (each answer says how the
// server got it: h3 or tcp; Resource Timing's nextHopProtocol says how the browser sent it), then opens an
// EventSource on /live/1 and waits for its first event (the livepush.position marker). Prints ONE JSON line:
// {"altSvc":"h3=\":port\"; ma=86400","navigation":"h2","probes":["h2/tcp",..],"sse":"<id>"} or {"error":"..."}.
// Chromium 156 tries the advertised QUIC listener but refuses its self-signed certificate in the QUIC handshake
// (CERTIFICATE_VERIFY_FAILED, though --ignore-certificate-errors-spki-list names it and TCP accepts it), marks the
// alternative broken and stays on h2 (docs/operations.md, "WebTransport (HTTP/3 on UDP)"). So a second Chromium
// runs with --origin-to-force-quic-on=<host:port> (QUIC without Alt-Svc; there the same certificate passes): the
// page, a fetch and an EventSource on /live/2 over HTTP/3, under "forced": {"navigation":"h3","fetched":"h3/h3",
// "sse":"<id>"}.
import { launchChromium } from './harness.mjs';

const [pageUrl, spki] = process.argv.slice(2);

/** In the page: the id of an EventSource's first livepush.position event on `path`, 'error' or 'timed out'. */
function definePositionReader() {
  window.firstPosition = (path) => new Promise((resolve) => {
    const es = new EventSource(path);
    const timer = setTimeout(() => { es.close(); resolve('timed out'); }, 15000);
    es.addEventListener('livepush.position', (e) => { clearTimeout(timer); es.close(); resolve(e.lastEventId); });
    es.onerror = () => { clearTimeout(timer); es.close(); resolve('error'); };
  });
}
let browser;
const out = {};
try {
  browser = await launchChromium([`--ignore-certificate-errors-spki-list=${spki}`,
    '--host-resolver-rules=MAP localhost 127.0.0.1', ...(process.env.NETLOG ? [`--log-net-log=${process.env.NETLOG}`] : [])], { quic: true });
  const page = await browser.newPage();
  await page.addInitScript(definePositionReader);
  const nav = await page.goto(pageUrl);
  out.altSvc = nav.headers()['alt-svc'] ?? null;
  Object.assign(out, await page.evaluate(async () => {
    const navigation = performance.getEntriesByType('navigation')[0]?.nextHopProtocol ?? null;
    const probes = [];
    for (let i = 0; i < 20; i++) {
      const url = new URL('/probe?i=' + i, location).href;
      const served = await (await fetch(url, { cache: 'no-store' })).text(); // the server's view: h3 or tcp
      const p = performance.getEntriesByName(url)[0]?.nextHopProtocol ?? null;
      performance.clearResourceTimings(); // its buffer holds 250 entries
      probes.push(p + '/' + served);
    }
    const sse = await window.firstPosition('/live/1');
    return { navigation, probes, sse };
  }));
  await browser.close();
  browser = null;
  // The same page with QUIC forced for the origin (no Alt-Svc needed): what Chromium does with the listener itself
  const origin = new URL(pageUrl).host;
  browser = await launchChromium([`--ignore-certificate-errors-spki-list=${spki}`,
    `--origin-to-force-quic-on=${origin}`], { quic: true });
  const forced = await browser.newPage();
  await forced.addInitScript(definePositionReader);
  const forcedNav = await forced.goto(pageUrl).catch((e) => ({ error: String(e) }));
  out.forced = forcedNav.error ? { error: forcedNav.error } : await forced.evaluate(async () => {
    const navigation = performance.getEntriesByType('navigation')[0]?.nextHopProtocol ?? null;
    const url = new URL('/probe?forced', location).href;
    const served = await (await fetch(url, { cache: 'no-store' })).text();
    const fetched = performance.getEntriesByName(url)[0]?.nextHopProtocol ?? null;
    const sse = await window.firstPosition('/live/2');
    return { navigation, fetched: fetched + '/' + served, sse };
  });
} catch (e) {
  out.error = String(e && e.stack || e);
} finally {
  if (browser) await browser.close().catch(() => {});
}
process.stdout.write(JSON.stringify(out) + '\n');
process.exit(out.error ? 1 : 0);
