'use strict';
// Peer broadcast server for the livepush benchmarks: Node `ws` 8.23.0, every broadcast encoded ONCE
// (WebSocket.Sender.frame) and handed to each socket with sender.sendFrame, as the fastest ws servers do.
// Same control endpoints as io.livepush.bench.BenchServer:
//   GET /bench/heap            -> "<heapUsed> 0" after global.gc() x3 (run node with --expose-gc)
//   GET /bench/conns           -> open WebSocket count
//   GET /bench/publish?rate=R&seconds=S&size=B -> open-loop publisher (intended time in each payload)
//   GET /bench/mem             -> "<peak heapUsed> <heapUsed>" sampled every 50 ms
//   GET /bench/clock           -> process.hrtime.bigint(): the clock the publisher stamps with (CLOCK_MONOTONIC,
//                                 as Java's System.nanoTime; the generator checks it before every run)
// Usage: node --expose-gc ws-peer.js <port> [heartbeatSeconds] [maxSeconds]
const http = require('http');
const { WebSocketServer, WebSocket } = require('ws');
const { payload, envelope, subscribed } = require('./wire');

const port = Number(process.argv[2] || 8091);
const heartbeatSeconds = Number(process.argv[3] || 15);
const maxSeconds = Number(process.argv[4] || 900);
const clients = new Set();
let seq = 0;
let peakHeap = 0;

function broadcast(data) {
  // The livepush.v1 event envelope, so both servers put the same bytes on the wire.
  const msg = envelope(seq, data);
  const list = WebSocket.Sender.frame(Buffer.from(msg), {
    fin: true, rsv1: false, opcode: 1, mask: false, readOnly: false,
  });
  for (const ws of clients) {
    if (ws.readyState === WebSocket.OPEN) ws._sender.sendFrame(list);
  }
}

function publisher(rate, seconds, size) {
  const period = 1e9 / rate;
  const n = Math.floor(rate * seconds);
  const start = process.hrtime.bigint() + 1000000n;
  let i = 0;
  const tick = () => {
    if (i >= n) return;
    const intended = start + BigInt(Math.round(i * period));
    const now = process.hrtime.bigint();
    if (now < intended) {
      setTimeout(tick, Math.max(0, Number(intended - now) / 1e6 - 0.5));
      return;
    }
    seq++;
    broadcast(payload(seq, intended.toString(), size));
    i++;
    // Late or not, give the loop a turn (I/O, signals) before the next broadcast; the intended time keeps
    // the schedule open-loop.
    setImmediate(tick);
  };
  tick();
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://127.0.0.1');
  const reply = (body) => { res.writeHead(200, { 'content-type': 'text/plain' }); res.end(String(body)); };
  switch (url.pathname) {
    case '/bench/heap':
      for (let i = 0; i < 3; i++) global.gc();
      return reply(`${process.memoryUsage().heapUsed} 0`);
    case '/bench/conns':
      return reply(clients.size);
    case '/bench/clock':
      return reply(process.hrtime.bigint().toString());
    case '/bench/mem':
      return reply(`${peakHeap} ${process.memoryUsage().heapUsed}`);
    case '/bench/publish':
      publisher(Number(url.searchParams.get('rate')), Number(url.searchParams.get('seconds')),
        Number(url.searchParams.get('size') || 64));
      return reply('ok');
    default:
      res.writeHead(404); res.end();
  }
});
const wss = new WebSocketServer({ server, path: '/ws', perMessageDeflate: false, clientTracking: false });
wss.on('connection', (ws) => {
  ws.isAlive = true;
  clients.add(ws);
  ws.on('pong', () => { ws.isAlive = true; });
  ws.on('message', (data) => {
    // Only "subscribe" matters here: answer like livepush so the generator sees the same handshake.
    const m = JSON.parse(data);
    if (m.type === 'subscribe') ws.send(subscribed(m.topics, seq));
  });
  ws.on('close', () => clients.delete(ws));
  ws.on('error', () => clients.delete(ws));
});
// Heartbeats as the ws README recommends: ping everyone, drop who did not answer the previous ping.
setInterval(() => {
  for (const ws of clients) {
    if (!ws.isAlive) { ws.terminate(); continue; }
    ws.isAlive = false;
    ws.ping();
  }
}, heartbeatSeconds * 1000).unref();
setInterval(() => { peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed); }, 50).unref();
setTimeout(() => process.exit(0), maxSeconds * 1000).unref();
server.listen(port, '127.0.0.1', () => console.log(`ws-peer listening on 127.0.0.1:${port}`));
process.on('SIGTERM', () => process.exit(0));
