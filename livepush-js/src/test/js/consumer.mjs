// Run by NpmPackageTest with the packed @livepush/client installed: imports it by its package name (through
// "exports"), talks to a real livepush server with both clients, and prints one JSON line of what it saw.
//   node consumer.mjs http://127.0.0.1:PORT TOPIC
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { LivePushClient, PROTOCOL } from '@livepush/client';
import * as sse from '@livepush/client/sse';

const [base, topic] = process.argv.slice(2);
const require = createRequire(import.meta.url);
const out = { protocol: PROTOCOL, exports: Object.keys(await import('@livepush/client')).sort(),
  sseExports: Object.keys(sse).sort(), version: require('@livepush/client/package.json').version };

// Only the declared entry points resolve.
try {
  await import('@livepush/client/livepush.js');
  out.deepImport = 'resolved';
} catch (e) {
  out.deepImport = e.code;
}

// The WebSocket client: subscribe from `earliest`, so the event the test published before is replayed.
const withTimeout = (promise, what) => Promise.race([promise, new Promise((_, reject) =>
  setTimeout(() => reject(new Error(`no ${what} within 20 s`)), 20000).unref())]);
out.ws = await withTimeout(new Promise((resolve, reject) => {
  const client = new LivePushClient(base.replace(/^http/, 'ws') + '/ws', {
    onEvent: (e) => { client.close(); resolve(e); },
    onError: (e) => { client.close(); reject(e); },
  });
  client.subscribe([topic], { from: 'earliest' });
}), 'WebSocket event');

// The SSE reader on the same topic's stream, from `earliest` too; stopped after the first event.
const abort = new AbortController();
out.sse = await withTimeout(new Promise((resolve, reject) => {
  sse.fetchEventStream(`${base}/live/${encodeURIComponent(topic)}?lastEventId=earliest`, { signal: abort.signal },
    (e) => { if (e.type !== 'livepush.position') { abort.abort(); resolve(e); } })
    .catch((e) => { if (e.name !== 'AbortError') reject(e); });
}), 'SSE event');

// The server serves the very files the package holds (one source), with CORS for an allowed origin.
const served = await fetch(`${base}/livepush/livepush.js`, { headers: { Origin: 'https://app.example' } });
out.servedSame = (await served.text()) === await readFile(require.resolve('@livepush/client'), 'utf8');
out.servedCors = served.headers.get('access-control-allow-origin');
console.log(JSON.stringify(out));
