// A cross-origin EventSource polyfill's request in headless Chromium: fetch() with the headers polyfills send
// (Accept, Cache-Control, Last-Event-ID, X-Requested-With), from a page on another origin. The browser sends a
// CORS preflight for the non-safelisted headers; only if livepush allows them does the stream become readable.
//
//   node cors-polyfill.mjs <pageUrl> <streamUrl>
//
// Prints ONE JSON line: {"ok":true,"status":200,"text":"..."} once the stream's first id arrived, or
// {"ok":false,"error":"..."} (the TypeError Chromium reports for a refused preflight). Waits on the stream
// itself, no sleeps.
import { launchChromium } from './harness.mjs';

const [pageUrl, streamUrl] = process.argv.slice(2);
const browser = await launchChromium();
try {
  const page = await browser.newPage();
  await page.goto(pageUrl);
  const result = await page.evaluate(async (url) => {
    try {
      const res = await fetch(url, { headers: { 'Accept': 'text/event-stream', 'Cache-Control': 'no-cache',
        'Last-Event-ID': '', 'X-Requested-With': 'XMLHttpRequest' } });
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      let text = '';
      while (!/^id: /m.test(text)) {
        const { value, done } = await reader.read();
        if (done) break;
        text += decoder.decode(value, { stream: true });
      }
      await reader.cancel();
      return { ok: true, status: res.status, text };
    } catch (e) {
      return { ok: false, error: String(e) };
    }
  }, streamUrl);
  console.log(JSON.stringify(result));
} finally {
  await browser.close();
}
