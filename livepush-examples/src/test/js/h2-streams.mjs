// Many EventSources on one origin over HTTP/2 (TLS, ALPN h2) in headless Chromium. Over HTTP/1.1 the browser
// holds at most six connections per origin, so the seventh EventSource would stay pending; over HTTP/2 they are
// streams of one connection.
//
//   node h2-streams.mjs <pageUrl> <count> <spkiSha256Base64>
//
// Chromium trusts the test's self-signed certificate by its key alone (--ignore-certificate-errors-spki-list),
// not by ignoring every certificate error. The page (served by the test) opens <count> EventSources,
// /m/0 .. /m/<count-1>, and a livepush.v1 WebSocket on /ws subscribed to m:ws (Chromium runs it over the same h2
// connection, RFC 8441, when the server advertises SETTINGS_ENABLE_CONNECT_PROTOCOL); once every EventSource has
// its livepush.position and the WebSocket its "subscribed" (all are live) the page POSTs /publish, whose answer is
// the server's own view at that moment ({"live":n,"websockets":1,"connections":m}); then it waits for each to
// receive its event. Prints ONE JSON line:
// {"opened":n,"ws":{..},"server":{..},"received":["live 0",...],"page":"h2"} (page: the navigation's protocol, from Resource
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
    let ws = { subscribed: false, received: null, protocol: null };
    const total = n + 1; // the EventSources and the WebSocket
    const live = () => opened.size + (ws.subscribed ? 1 : 0) === total;
    let finished = () => {};
    const publish = async () => {
      try {
        server = await (await fetch('/publish', { method: 'POST' })).json();
      } catch (e) {
        failure = 'publish: ' + e;
      }
      finished(); // the events can arrive before this answer is read
    };
    await new Promise((resolve) => {
      const deadline = setTimeout(() => { failure = 'timed out'; resolve(); }, 30000);
      finished = () => {
        if (received.every((r) => r !== null) && ws.received !== null && (server !== null || failure !== null)) {
          clearTimeout(deadline);
          resolve();
        }
      };
      // WebSocket on the same origin: over the h2 connection when the server advertises RFC 8441
      const socket = new WebSocket(location.origin.replace('https:', 'wss:') + '/ws', 'livepush.v1');
      socket.onopen = () => {
        ws.protocol = socket.protocol;
        socket.send(JSON.stringify({ type: 'subscribe', topics: ['m:ws'], ref: 'r1' }));
      };
      socket.onmessage = async (e) => {
        const m = JSON.parse(e.data);
        if (m.type === 'subscribed') {
          ws.subscribed = true;
          if (live()) await publish();
        } else if (m.type === 'event') {
          ws.received = m.data;
          socket.close(1000);
          finished();
        }
      };
      socket.onerror = () => { failure = 'websocket error'; resolve(); };
      for (let i = 0; i < n; i++) {
        const es = new EventSource('/m/' + i);
        es.addEventListener('livepush.position', async () => {
          if (opened.has(i)) return;
          opened.add(i);
          if (live()) await publish();
        });
        es.onmessage = (e) => {
          received[i] = e.data;
          es.close();
          finished();
        };
      }
    });
    const nav = performance.getEntriesByType('navigation')[0];
    return { opened: opened.size, ws, server, received, failure, page: nav ? nav.nextHopProtocol : null };
  }, Number(count));
  console.log(JSON.stringify(result));
} catch (e) {
  console.log(JSON.stringify({ error: String(e) }));
} finally {
  await browser.close();
}
