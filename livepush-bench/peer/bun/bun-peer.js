// Peer broadcast server for the livepush benchmarks: Bun's own WebSocket server (Bun.serve, uWebSockets inside),
// every broadcast sent with server.publish to the sockets subscribed to "bench", as Bun's docs recommend for
// fan-out. Same wire bytes as the other peers: the livepush.v1 "subscribed" answer and event envelope around the
// same payload {"s":seq,"t":intendedNanos,"p":"xx.."}.
// Same control endpoints as io.livepush.bench.BenchServer and ws-peer.js:
//   GET /bench/heap    -> "<heapUsed> 0" after Bun.gc(true) x3 (JavaScriptCore's heap: not comparable with a
//                         JVM's or V8's heap; compare Bun by RSS)
//   GET /bench/conns   -> open WebSocket count
//   GET /bench/publish?rate=R&seconds=S&size=B -> open-loop publisher (intended time in each payload)
//   GET /bench/mem     -> "<peak heapUsed> <heapUsed>" sampled every 50 ms
//   GET /bench/clock   -> the stamp clock: clock_gettime(CLOCK_MONOTONIC) through bun:ffi, the clock of Java's
//                         System.nanoTime and Node's process.hrtime. Bun's own process.hrtime counts from the
//                         process start, so it cannot be used for stamps (the generator's clock check shows it).
// Heartbeats: uWebSockets pings a socket that has been silent for most of idleTimeout and closes one silent for
// idleTimeout: idleTimeout = 2 x heartbeatSeconds, so pings come about as often as ws-peer's.
// Usage: bun bun-peer.js <port> [heartbeatSeconds] [maxSeconds]
import { dlopen, FFIType, ptr } from 'bun:ffi';
import { payload, envelope, subscribed } from '../wire.js';

const port = Number(process.argv[2] || 8093);
const heartbeatSeconds = Number(process.argv[3] || 15);
const maxSeconds = Number(process.argv[4] || 900);

const libc = dlopen('libc.so.6', { clock_gettime: { args: [FFIType.i32, FFIType.ptr], returns: FFIType.i32 } });
const CLOCK_MONOTONIC = 1;
const timespec = new BigInt64Array(2);
const timespecPtr = ptr(timespec);
function monotonicNanos() {
  if (libc.symbols.clock_gettime(CLOCK_MONOTONIC, timespecPtr) !== 0) throw new Error('clock_gettime failed');
  return timespec[0] * 1000000000n + timespec[1];
}

let seq = 0;
let conns = 0;
let peakHeap = 0;

function publisher(server, rate, seconds, size) {
  const period = 1e9 / rate;
  const n = Math.floor(rate * seconds);
  const start = monotonicNanos() + 1000000n;
  let i = 0;
  const tick = () => {
    if (i >= n) return;
    const intended = start + BigInt(Math.round(i * period));
    const now = monotonicNanos();
    if (now < intended) {
      setTimeout(tick, Math.max(0, Number(intended - now) / 1e6 - 0.5));
      return;
    }
    seq++;
    const data = payload(seq, intended.toString(), size);
    server.publish('bench', envelope(seq, data));
    i++;
    setImmediate(tick); // late or not, give the loop a turn; the intended time keeps the schedule open-loop
  };
  tick();
}

function heapUsed() {
  return process.memoryUsage().heapUsed;
}

const server = Bun.serve({
  hostname: '127.0.0.1',
  port,
  fetch(req, srv) {
    const url = new URL(req.url);
    const reply = (body) => new Response(String(body), { headers: { 'content-type': 'text/plain' } });
    switch (url.pathname) {
      case '/ws':
        if (srv.upgrade(req, { headers: { 'Sec-WebSocket-Protocol': 'livepush.v1' } })) return undefined;
        return new Response('upgrade failed', { status: 400 });
      case '/bench/heap':
        for (let i = 0; i < 3; i++) Bun.gc(true);
        return reply(`${heapUsed()} 0`);
      case '/bench/conns':
        return reply(conns);
      case '/bench/mem':
        return reply(`${peakHeap} ${heapUsed()}`);
      case '/bench/clock':
        return reply(monotonicNanos().toString());
      case '/bench/publish':
        publisher(srv, Number(url.searchParams.get('rate')), Number(url.searchParams.get('seconds')),
          Number(url.searchParams.get('size') || 64));
        return reply('ok');
      default:
        return new Response('', { status: 404 });
    }
  },
  websocket: {
    perMessageDeflate: false,
    idleTimeout: 2 * heartbeatSeconds,
    sendPings: true,
    open() { conns++; },
    close() { conns--; },
    message(ws, data) {
      // Only "subscribe" matters here: answer like livepush so the generator sees the same handshake.
      const m = JSON.parse(data);
      if (m.type === 'subscribe') {
        for (const t of m.topics) ws.subscribe(t);
        ws.send(subscribed(m.topics, seq));
      }
    },
  },
});
setInterval(() => { peakHeap = Math.max(peakHeap, heapUsed()); }, 50).unref();
setTimeout(() => process.exit(0), maxSeconds * 1000).unref();
process.on('SIGTERM', () => process.exit(0));
console.log(`bun-peer (Bun ${Bun.version}) listening on 127.0.0.1:${server.port}`);
