// A reset carries the stream's position (issue 12), run by ResetPositionTest (mvn verify).
//
//   node --experimental-eventsource reset-position.mjs <pageBaseUrl> <controlBaseUrl>
//
// undici's EventSource and the npm `eventsource` package each open a quiet topic through a cuttable proxy and wait
// for livepush's position; the server's cluster then changes epoch (Redis restarted empty), so each stream's only
// message since it opened is a `reset`. The connections are cut and one event per topic is published while the
// clients are away: each must come back from the reset's position (the new epoch), get no second reset, and
// receive its event. Prints ONE JSON line; waits only on events and control responses.
import { EventSource as NpmEventSource } from 'eventsource';
import { controller, within as withinMs, signal } from './harness.mjs';

const [pageBase, controlBase] = process.argv.slice(2);
const TIMEOUT = 30_000;

const control = controller(controlBase, TIMEOUT);
const within = (promise, what) => withinMs(promise, what, TIMEOUT);

function open(name, EventSourceImpl) {
  const topic = `reset.${name}`;
  const seen = { topic, positions: [], resets: [], messages: [] };
  const position = signal();
  const reset = signal();
  const message = signal();
  const es = new EventSourceImpl(`${pageBase}/sse?topic=${topic}`);
  es.addEventListener('livepush.position', (e) => { seen.positions.push(e.lastEventId); position.resolve(); });
  es.addEventListener('reset', (e) => { seen.resets.push({ id: e.lastEventId, data: e.data }); reset.resolve(); });
  es.onmessage = (e) => { seen.messages.push({ id: e.lastEventId, data: e.data }); message.resolve(); };
  return { name, es, seen, position, reset, message };
}

const clients = [open('undici', globalThis.EventSource), open('eventsource', NpmEventSource)];
const out = {};
try {
  for (const c of clients) await within(c.position.promise, `${c.name}: the stream position`);
  out.epoch = await control('/test/epoch');
  for (const c of clients) await within(c.reset.promise, `${c.name}: the epoch reset`);
  out.cut = await control(`/test/cut?topics=${clients.map((c) => c.seen.topic).join(',')}&count=2`);
  for (const c of clients) await within(c.message.promise, `${c.name}: the event published while cut`);
  for (const c of clients) out[c.name] = c.seen;
} catch (e) {
  out.error = String(e && e.stack || e);
  for (const c of clients) out[c.name] = c.seen;
} finally {
  for (const c of clients) c.es.close();
}
console.log(JSON.stringify(out));
process.exit(out.error ? 1 : 0);
