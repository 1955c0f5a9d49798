// livepush.js: a dependency-free browser ES module for the livepush.v1 protocol (WebSocket, WebTransport).
// Served by io.livepush.ClientScripts at /livepush/livepush.js; documented in docs/javascript-client.md.
//
//   import { LivePushClient } from '/livepush/livepush.js';
//   const client = new LivePushClient('/ws', {
//     onEvent: (e) => console.log(e.topic, e.id, e.event, e.data),
//     onReset: (r) => reloadSnapshot(r.topic),        // the server could not replay: refetch state
//     onState: (s) => badge.textContent = s,          // connecting | open | reconnecting | closed
//   });
//   client.subscribe(['match:1', 'chat']);
//   const reply = await client.send('chat', { say: 'hi' });
//
// Guarantees: after a dropped connection the client reconnects (exponential backoff, FULL jitter: the delay
// is uniform in [0, min(maxDelay, minDelay * 2^attempt)]) and re-subscribes every topic "from" the last id it
// saw for it (event ids, and the ids of `subscribed` and `reset`) in ONE subscribe with per-topic positions, so
// the server replays exactly what was missed, merged in offset order across topics, or says `reset` when it
// cannot. `client.position` is one id every followed topic is complete up to, for handing over to SSE.
//
// WebTransport: given webTransportUrl (a WebTransportTransport path; its UDP port is the page's port number) and a
// browser with WebTransport, livepush.v1 runs on a WebTransport session first (same messages, one stream).
// With datagrams: true the server may send events of keep-latest topics as unreliable datagrams: they never move
// a resume position (only the stream does), and per topic an event older than the newest one shown is skipped.
//
// Fallback: given sseUrl (an SseTransport multiTopicPath) and pollUrl (a LongPollTransport path), the client
// tries the transports in `transports` order (default webtransport, websocket, sse, longpoll) and moves to the
// next when one
// does not open within connectTimeout or goes silent for silenceTimeout (a proxy that buffers a stream never
// delivers its position or heartbeats), resuming from the same position: ids are shared by every transport.
// The state listener sees 'fallback' with { transport, from, reason }; `client.transport` names the one in use.
// SSE loads livepush-sse.js (served beside this file) when first used, so this module imports nothing up front.

export const PROTOCOL = 'livepush.v1';

/** Close codes after which reconnecting would only repeat the failure (RFC 6455 §7.4.1). */
const FATAL_CLOSE_CODES = [1002, 1003, 1007, 1008, 1009, 1010];

const DEFAULTS = {
  protocols: [PROTOCOL],
  minDelay: 500, // ms: the first backoff ceiling
  maxDelay: 30000, // ms: the largest backoff ceiling
  replyTimeout: 10000, // ms: a send() without reply or ack by then is rejected
  maxQueue: 100, // messages send() may hold while disconnected; more are rejected at once
  fatalCloseCodes: FATAL_CLOSE_CODES,
  WebSocket: globalThis.WebSocket, // injectable for tests or Node
  WebTransport: globalThis.WebTransport, // undefined where the browser has none: then webtransport is left out
  random: Math.random,
  transports: ['webtransport', 'websocket', 'sse', 'longpoll'], // tried in this order; one without its URL is left out
  webTransportUrl: null, // a WebTransportTransport path, e.g. '/live/wt', or an https:// URL
  serverCertificateHashes: undefined, // WebTransport: [{ algorithm: 'sha-256', value }] for a self-signed certificate
  datagrams: false, // WebTransport: ask for keep-latest topics' events as datagrams (newest value, may be lost)
  sseUrl: null, // an SseTransport multiTopicPath, e.g. '/api/live' (topics and lastEventId go in the query)
  pollUrl: null, // a LongPollTransport path, e.g. '/api/poll'
  connectTimeout: 10000, // ms a transport may take to open (SSE: to deliver something) before the next is tried
  silenceTimeout: 45000, // ms without a byte (SSE: event or heartbeat; long-poll: an answer) before moving on
  credentials: 'same-origin', // fetch credentials of SSE and long-poll requests
  fetch: (...args) => globalThis.fetch(...args), // injectable for tests or Node
};

const URL_OPTION = { webtransport: 'webTransportUrl', websocket: null, sse: 'sseUrl', longpoll: 'pollUrl' };

/** The transports that speak livepush.v1 both ways (subscribe, send); the others only receive. */
const SOCKETS = ['webtransport', 'websocket'];

/** Resolves a path like "/ws" against the page's origin, switching http(s) to ws(s). */
function toWebSocketUrl(url) {
  if (/^wss?:\/\//i.test(url)) return url;
  const u = new URL(url, globalThis.location ? globalThis.location.href : undefined);
  u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
  return u.toString();
}

/** Resolves a path like "/live/wt" against the page's origin as https: (WebTransport is always TLS). */
function toWebTransportUrl(url) {
  const u = new URL(url, globalThis.location ? globalThis.location.href : undefined);
  u.protocol = 'https:';
  return u.toString();
}

/**
 * Compares two event ids of one epoch (`<epoch>-<offset>`, base 36 without leading zeros): negative, 0 or
 * positive; null when their epochs differ (incomparable: a new history).
 */
function compareIds(a, b) {
  const [ea, oa] = a.split('-');
  const [eb, ob] = b.split('-');
  if (ea !== eb || oa === undefined || ob === undefined) return null;
  return oa.length !== ob.length ? oa.length - ob.length : oa < ob ? -1 : oa > ob ? 1 : 0;
}

/** One livepush.v1 message `kind (1 text, 2 binary) | uint32 length | bytes` as a message event's data. */
function frameData(kind, body, text) {
  return kind === 1 ? text.decode(body) : body.slice().buffer; // 2: a binary event, as over WebSocket
}

/**
 * livepush.v1 on a WebTransport session, shaped like the WebSocket the client drives (onopen, onmessage,
 * onclose, send, close): one bidirectional stream, each message `kind (1 text, 2 binary) | uint32 length |
 * bytes`; the session's close code and reason are the WebSocket ones livepush sends (docs/protocol.md).
 */
class WebTransportSocket {
  onopen = null;
  onmessage = null;
  onclose = null;
  onerror = null;
  #wt;
  #writer = null;
  #ended = false;

  constructor(WebTransportImpl, url, options) {
    this.#wt = new WebTransportImpl(url, options);
    this.#wt.closed.then((info) => this.#end(info?.closeCode ?? 1005, info?.reason ?? ''),
      (e) => this.#end(1006, String(e && e.message || e)));
    this.#run().catch((e) => {
      this.#end(1006, String(e && e.message || e));
      this.close();
    });
  }

  async #run() {
    await this.#wt.ready;
    const stream = await this.#wt.createBidirectionalStream();
    this.#writer = stream.writable.getWriter();
    if (this.#ended) return;
    if (this.onopen) this.onopen();
    if (this.#wt.datagrams) this.#readDatagrams().catch(() => {}); // ends with the session: closed says why
    const reader = stream.readable.getReader();
    const text = new TextDecoder();
    let buf = new Uint8Array(0);
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      const joined = new Uint8Array(buf.length + value.length);
      joined.set(buf);
      joined.set(value, buf.length);
      buf = joined;
      while (buf.length >= 5) {
        const len = new DataView(buf.buffer, buf.byteOffset, buf.byteLength).getUint32(1);
        if (buf.length < 5 + len) break;
        const body = buf.subarray(5, 5 + len);
        const data = frameData(buf[0], body, text);
        buf = buf.slice(5 + len);
        if (this.onmessage && !this.#ended) this.onmessage({ data });
      }
    }
  }

  /** Datagrams (the browser strips the Quarter Stream ID): one whole message each, flagged `datagram`. */
  async #readDatagrams() {
    const reader = this.#wt.datagrams.readable.getReader();
    const text = new TextDecoder();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      if (value.length < 5) continue;
      const len = new DataView(value.buffer, value.byteOffset, value.byteLength).getUint32(1);
      if (value.length !== 5 + len) continue; // not one whole message: dropped, as a lost datagram would be
      if (this.onmessage && !this.#ended) {
        this.onmessage({ data: frameData(value[0], value.subarray(5), text), datagram: true });
      }
    }
  }

  send(message) {
    const body = new TextEncoder().encode(message);
    const framed = new Uint8Array(5 + body.length);
    framed[0] = 1;
    new DataView(framed.buffer).setUint32(1, body.length);
    framed.set(body, 5);
    this.#writer.write(framed).catch(() => {}); // a failed write ends the session: closed says why
  }

  close(code = 1000, reason = '') {
    try { this.#wt.close({ closeCode: code, reason }); } catch (e) { /* already closed */ }
  }

  #end(code, reason) {
    if (this.#ended) return;
    this.#ended = true;
    if (this.onclose) this.onclose({ code, reason });
  }
}

export class LivePushClient {
  #url;
  #wtUrl;
  #opts;
  #ws = null;
  #state = 'idle';
  #attempt = 0;
  #timer = null;
  #stopped = false;
  #refSeq = 0;
  #topics = new Map(); // topic -> last id seen (null until the server names a position)
  #newest = new Map(); // topic -> newest event id shown, for topics that received datagrams
  #position = null; // an id every topic in #topics is complete up to, or null when there is none
  #pending = new Map(); // ref -> { resolve, reject, timer }
  #subscribing = new Map(); // ref of an unanswered subscribe -> its topics (dropped if the server refuses)
  #queue = []; // frames waiting for a connection, bounded by maxQueue
  #listeners = { event: new Set(), reset: new Set(), state: new Set(), error: new Set(), message: new Set() };
  #order; // the transports with a URL, in the order tried
  #index = 0; // the one in use
  #opened = false; // whether the current attempt opened (a failure before that moves on to the next transport)
  #connectTimer = null;
  #http = null; // the AbortController of the current SSE stream or poll loop

  /**
   * @param {string} url  "/ws", or an absolute ws(s):// or http(s):// URL
   * @param {object} options  see DEFAULTS; plus callbacks onEvent, onReset, onState, onError, onMessage,
   *   and connect: false to defer connecting until connect() is called
   */
  constructor(url, options = {}) {
    this.#url = url ? toWebSocketUrl(url) : null;
    this.#opts = { ...DEFAULTS, ...options };
    this.#wtUrl = this.#opts.webTransportUrl ? toWebTransportUrl(this.#opts.webTransportUrl) : null;
    this.#order = this.#opts.transports.filter((t) => {
      if (t === 'websocket') return this.#url;
      if (t === 'webtransport') return this.#wtUrl && typeof this.#opts.WebTransport === 'function';
      return this.#opts[URL_OPTION[t]];
    });
    if (this.#order.length === 0) throw new Error('no transport: give a WebSocket url, sseUrl or pollUrl');
    for (const [name, key] of [['event', 'onEvent'], ['reset', 'onReset'], ['state', 'onState'],
      ['error', 'onError'], ['message', 'onMessage']]) {
      if (typeof options[key] === 'function') this.#listeners[name].add(options[key]);
    }
    if (globalThis.addEventListener) {
      // Back online: skip the rest of the backoff.
      globalThis.addEventListener('online', () => { if (this.#state === 'reconnecting') this.#reconnectNow(); });
    }
    if (options.connect !== false) this.connect();
  }

  /**
   * connecting | open | reconnecting | fallback | closed (closed: stopped by close() or a fatal close code).
   * onState listeners get (state, detail); detail.transport names the transport, detail.delay is the backoff in
   * ms when state is reconnecting, and fallback's detail.from / detail.reason say what was left and why.
   */
  get state() { return this.#state; }

  /** The transport in use or being tried: 'webtransport', 'websocket', 'sse' or 'longpoll'. */
  get transport() { return this.#order[this.#index]; }

  /** The last id seen per subscribed topic, as a plain object (for display or persistence). */
  get positions() { return Object.fromEntries(this.#topics); }

  /**
   * One resume id for the whole connection: every followed topic has every event up to it, so it resumes all
   * of them at once, over WebSocket (subscribe with from) or SSE (Last-Event-ID / ?lastEventId=). null until
   * the server has named a position for every followed topic (a topic added since then clears it until its
   * subscription is answered). Kept across reconnects.
   */
  get position() { return this.#position; }

  /** Adds a listener: 'event', 'reset', 'state', 'error' or 'message' (every raw server message). */
  on(type, fn) {
    this.#listeners[type].add(fn);
    return () => this.#listeners[type].delete(fn);
  }

  /** Opens the connection (called by the constructor unless connect: false). */
  connect() {
    this.#stopped = false;
    if (this.#ws || this.#timer) return;
    this.#open();
  }

  /**
   * Follows topics. With from (an event id, for example one kept from an SSE stream, or 'earliest' for
   * everything the server still retains), the server replays what came after it; with a time (a Date, or an
   * RFC 3339 string such as '2026-11-30T18:00:00Z'), what was published from then on (docs/protocol.md "Resume
   * by time"); without, the subscription starts now. Resolves with the `subscribed` message once live.
   */
  subscribe(topics, { from: position } = {}) {
    // A Date (or an RFC 3339 string) resumes by time: the server replays what was published from then on.
    const from = position instanceof Date ? position.toISOString() : position;
    const list = (Array.isArray(topics) ? topics : [topics]).filter((t) => !this.#topics.has(t));
    for (const t of list) this.#topics.set(t, from ?? null);
    if (list.length === 0) return Promise.resolve(null);
    this.#position = null; // the new topics are not complete up to it; the next all-live point sets it again
    if (!SOCKETS.includes(this.transport)) return this.#restartHttp();
    return this.#request({ type: 'subscribe', topics: list, ...(from ? { from } : {}), ...this.#datagramField() }, true);
  }

  /** Stops following topics. */
  unsubscribe(topics) {
    const list = (Array.isArray(topics) ? topics : [topics]).filter((t) => this.#topics.delete(t));
    for (const t of list) this.#newest.delete(t);
    if (list.length === 0) return Promise.resolve(null);
    if (!SOCKETS.includes(this.transport)) return this.#restartHttp();
    return this.#request({ type: 'unsubscribe', topics: list }, false);
  }

  /**
   * Sends an application message; resolves with the reply's data (undefined for an ack), rejects on an
   * error, a timeout, or a connection lost before the answer (delivery is then unknown). While disconnected
   * up to maxQueue messages wait for the next connection.
   */
  send(topic, data) {
    if (!SOCKETS.includes(this.transport)) {
      return Promise.reject(new Error(`send() needs websocket or webtransport, not ${this.transport}`));
    }
    return this.#request({ type: 'message', ...(topic != null ? { topic } : {}), data }, true);
  }

  /** Closes for good (no reconnect); pending requests are rejected. */
  close(code = 1000, reason = 'client closed') {
    this.#stopped = true;
    clearTimeout(this.#timer);
    clearTimeout(this.#connectTimer);
    this.#timer = null;
    const ws = this.#ws;
    this.#ws = null;
    if (ws) ws.close(code, reason);
    this.#teardown();
    this.#queue.length = 0;
    this.#failPending(new Error('client closed'));
    this.#setState('closed');
  }

  // ---- internals ----------------------------------------------------------------------------------------

  #emit(type, ...args) {
    for (const fn of this.#listeners[type]) {
      try { fn(...args); } catch (e) { console.error('livepush listener failed', e); }
    }
  }

  #setState(state, detail = {}) {
    if (this.#state === state && detail.delay === undefined) return;
    this.#state = state;
    this.#emit('state', state, detail);
  }

  #request(frame, wantsAnswer) {
    const ref = 'r' + (++this.#refSeq);
    const msg = { ...frame, ref };
    const online = this.#state === 'open';
    if (!online && frame.type !== 'message') {
      // (Un)subscribe while offline: the topic map is the truth and is replayed on the next open.
      return Promise.resolve(null);
    }
    if (!online && this.#queue.length >= this.#opts.maxQueue) {
      return Promise.reject(new Error(`offline queue full (${this.#opts.maxQueue} messages)`));
    }
    return new Promise((resolve, reject) => {
      if (wantsAnswer) {
        const timer = setTimeout(() => {
          this.#pending.delete(ref);
          reject(new Error(`no answer to ${frame.type} within ${this.#opts.replyTimeout} ms`));
        }, this.#opts.replyTimeout);
        this.#pending.set(ref, { resolve, reject, timer });
      }
      if (frame.type === 'subscribe') this.#subscribing.set(ref, frame.topics);
      if (online) this.#ws.send(JSON.stringify(msg)); else this.#queue.push(msg);
      if (!wantsAnswer) resolve(null);
    });
  }

  #settle(ref, value, error) {
    const p = this.#pending.get(ref);
    if (!p) return;
    this.#pending.delete(ref);
    clearTimeout(p.timer);
    if (error) p.reject(error); else p.resolve(value);
  }

  #failPending(error) {
    // Messages still queued were never sent: they keep waiting for the next connection.
    const queued = new Set(this.#queue.map((m) => m.ref));
    for (const ref of [...this.#pending.keys()]) if (!queued.has(ref)) this.#settle(ref, null, error);
  }

  #open() {
    if (this.#state !== 'reconnecting') this.#setState('connecting', { transport: this.transport });
    this.#opened = false;
    clearTimeout(this.#connectTimer);
    const ms = this.#opts.connectTimeout;
    this.#connectTimer = setTimeout(() => this.#connectFailed(new Error(`not open within ${ms} ms`)), ms);
    if (SOCKETS.includes(this.transport)) this.#openWebSocket(); else this.#openHttp();
  }

  #markOpen() {
    clearTimeout(this.#connectTimer);
    this.#opened = true;
    this.#setState('open', { transport: this.transport });
  }

  /** The attempt failed before it opened: the next transport now, or, after the last, a backoff and the first. */
  #connectFailed(err) {
    if (this.#stopped) return;
    clearTimeout(this.#connectTimer);
    this.#teardown();
    const from = this.transport;
    this.#index = (this.#index + 1) % this.#order.length;
    if (this.#index === 0) {
      this.#scheduleReconnect();
      return;
    }
    this.#setState('fallback', { transport: this.transport, from, reason: String(err && err.message) });
    this.#open();
  }

  #teardown() {
    const ws = this.#ws;
    this.#ws = null;
    if (ws) {
      ws.onopen = ws.onmessage = ws.onclose = null;
      try { ws.close(); } catch (e) { /* already closing */ }
    }
    const http = this.#http;
    this.#http = null;
    if (http) http.abort();
  }

  #openWebSocket() {
    let ws;
    try {
      if (this.transport === 'webtransport') {
        const hashes = this.#opts.serverCertificateHashes;
        ws = new WebTransportSocket(this.#opts.WebTransport, this.#wtUrl, hashes ? { serverCertificateHashes: hashes } : {});
      } else {
        ws = new this.#opts.WebSocket(this.#url, this.#opts.protocols);
        ws.binaryType = 'arraybuffer';
      }
    } catch (e) {
      this.#emit('error', e);
      this.#connectFailed(e);
      return;
    }
    this.#ws = ws;
    ws.onopen = () => this.#onOpen(ws);
    ws.onmessage = (m) => this.#onMessage(ws, m);
    ws.onclose = (c) => this.#onClose(ws, c);
    ws.onerror = () => {}; // always followed by close; the close code says more
  }

  #onOpen(ws) {
    if (ws !== this.#ws) return;
    // Resume every topic in ONE subscribe, each from its own last id: the server merges the replays in offset
    // order, so the connection keeps one order across topics (one subscribe per id would replay group by group).
    this.#subscribing.clear();
    if (this.#topics.size > 0) {
      const topics = [...this.#topics.keys()];
      const ids = new Set(this.#topics.values());
      let from;
      if (ids.size === 1) {
        from = [...ids][0] ?? undefined; // one position for all: the short form
      } else {
        from = {};
        for (const [topic, id] of this.#topics) if (id) from[topic] = id;
      }
      const ref = 'r' + (++this.#refSeq);
      this.#subscribing.set(ref, topics);
      ws.send(JSON.stringify({ type: 'subscribe', topics, ...(from ? { from } : {}), ...this.#datagramField(), ref }));
    }
    for (const msg of this.#queue.splice(0)) ws.send(JSON.stringify(msg));
    if (this.#topics.size === 0) this.#attempt = 0;
    this.#markOpen();
  }

  /** The subscribe field asking for datagrams: only over WebTransport, only when the options ask. */
  #datagramField() {
    return this.transport === 'webtransport' && this.#opts.datagrams ? { datagrams: true } : {};
  }

  /**
   * Whether an event of a topic that receives datagrams is older than (or the same as) the newest one shown:
   * datagrams and the stream are not ordered with each other, and a keep-latest topic needs only its newest.
   */
  #stale(topic, id, datagram) {
    const newest = this.#newest.get(topic);
    if (newest !== undefined && (compareIds(id, newest) ?? 1) <= 0) return true;
    if (datagram || newest !== undefined) this.#newest.set(topic, id);
    return false;
  }

  /** An event that came as a datagram: shown unless stale; it moves no position (a lost one must not be skipped). */
  #onDatagram(msg, payload) {
    if (msg.type !== 'event' || !this.#topics.has(msg.topic) || this.#stale(msg.topic, msg.id, true)) return;
    this.#emit('event', { topic: msg.topic, id: msg.id, event: msg.event ?? null,
      data: payload !== undefined ? payload : msg.data, datagram: true });
  }

  #onMessage(ws, m) {
    if (ws !== this.#ws) return;
    let msg;
    let payload;
    if (typeof m.data === 'string') {
      try { msg = JSON.parse(m.data); } catch (e) { this.#emit('error', new Error('bad frame: ' + m.data)); return; }
    } else {
      // Binary event: 2-byte big-endian header length, UTF-8 JSON header, raw payload bytes.
      const bytes = new Uint8Array(m.data);
      const n = (bytes[0] << 8) | bytes[1];
      msg = JSON.parse(new TextDecoder().decode(bytes.subarray(2, 2 + n)));
      payload = bytes.subarray(2 + n);
    }
    this.#attempt = 0; // the server talks to us: the next drop starts the backoff afresh
    if (msg.type === 'heartbeat') return; // WebTransport's idle-session probe (docs/protocol.md): nothing to do
    this.#emit('message', msg);
    if (m.datagram) {
      this.#onDatagram(msg, payload);
      return;
    }
    switch (msg.type) {
      case 'event':
        if (this.#topics.has(msg.topic)) this.#topics.set(msg.topic, msg.id);
        // With no subscribe in flight every followed topic is live here, and a connection receives events in
        // offset order across its topics: all of them are complete up to this id.
        if (this.#subscribing.size === 0 && this.#topics.has(msg.topic)) this.#advanceAll(msg.id);
        if (this.#stale(msg.topic, msg.id, false)) break;
        this.#emit('event', { topic: msg.topic, id: msg.id, event: msg.event ?? null,
          data: payload !== undefined ? payload : msg.data });
        break;
      case 'subscribed':
        this.#subscribing.delete(msg.ref);
        for (const t of msg.topics || []) if (this.#topics.has(t)) this.#topics.set(t, msg.id);
        // The marker is at or after everything this connection delivered before it.
        if (this.#subscribing.size === 0) this.#advanceAll(msg.id);
        this.#settle(msg.ref, msg, null);
        break;
      case 'reset':
        if (this.#topics.has(msg.topic)) this.#topics.set(msg.topic, msg.id);
        this.#emit('reset', { topic: msg.topic, reason: msg.reason, id: msg.id });
        break;
      case 'reply':
        this.#settle(msg.ref, msg.data, null);
        break;
      case 'ack':
        this.#settle(msg.ref, undefined, null);
        break;
      case 'error': {
        const err = Object.assign(new Error(msg.message || msg.code), { code: msg.code });
        // A refused subscribe (forbidden, too many topics...) is not retried on every reconnection.
        const refused = this.#subscribing.get(msg.ref);
        if (refused) {
          this.#subscribing.delete(msg.ref);
          for (const t of refused) this.#topics.delete(t);
          err.topics = refused;
        }
        if (msg.ref && this.#pending.has(msg.ref)) this.#settle(msg.ref, null, err);
        else this.#emit('error', err);
        break;
      }
      default:
        break;
    }
  }

  #advanceAll(id) {
    for (const t of this.#topics.keys()) this.#topics.set(t, id);
    this.#position = id;
  }

  #onClose(ws, c) {
    if (ws !== this.#ws) return;
    this.#ws = null;
    this.#failPending(new Error(`connection closed (${c.code}) before an answer`));
    if (this.#stopped) return;
    if (!this.#opened) {
      this.#connectFailed(new Error(`closed (${c.code}) before it opened`));
      return;
    }
    if (this.#opts.fatalCloseCodes.includes(c.code)) {
      this.#emit('error', Object.assign(new Error(`closed by server: ${c.code} ${c.reason}`), { code: c.code }));
      this.#stopped = true;
      this.#setState('closed');
      return;
    }
    this.#scheduleReconnect();
  }

  #scheduleReconnect() {
    const ceiling = Math.min(this.#opts.maxDelay, this.#opts.minDelay * 2 ** this.#attempt);
    const delay = Math.floor(this.#opts.random() * ceiling); // full jitter
    this.#attempt = Math.min(this.#attempt + 1, 30);
    this.#setState('reconnecting', { delay, transport: this.transport });
    this.#timer = setTimeout(() => { this.#timer = null; if (!this.#stopped) this.#open(); }, delay);
  }

  #reconnectNow() {
    if (!this.#timer) return;
    clearTimeout(this.#timer);
    this.#timer = null;
    this.#open();
  }

  // ---- SSE and long-polling: receive-only, one request at a time, all topics in its query ------------------

  #httpUrl(base) {
    const u = new URL(base, globalThis.location ? globalThis.location.href : undefined);
    for (const t of this.#topics.keys()) u.searchParams.append('topic', t);
    // One id resumes every topic; a topic added since the last position resumes from the others' id.
    let from = this.#position;
    for (const id of this.#topics.values()) from = from ?? id;
    // A time (only until the first position: ids replace it) goes as since=, which an id would win over.
    if (from) u.searchParams.set(from.includes(':') ? 'since' : 'lastEventId', from);
    return u.toString();
  }

  #openHttp() {
    const ctrl = new AbortController();
    this.#http = ctrl;
    if (this.#topics.size === 0) {
      this.#markOpen(); // nothing to follow yet: subscribe() starts the first request
      return;
    }
    const run = this.transport === 'sse' ? this.#runSse(ctrl) : this.#runPoll(ctrl);
    run.then(() => this.#httpEnded(ctrl, null), (e) => this.#httpEnded(ctrl, e));
  }

  #httpEnded(ctrl, err) {
    if (ctrl !== this.#http || this.#stopped) return;
    this.#http = null;
    // Silent (a buffering proxy) or never open: try the next transport; a drop after that: back off, retry.
    if (!this.#opened || ctrl.stalled) this.#connectFailed(err || new Error(`${this.transport} ended before it opened`));
    else this.#scheduleReconnect();
  }

  /** Topics changed: the next request names them (a WebSocket sends subscribe instead). */
  #restartHttp() {
    if (this.#stopped || this.#timer || !this.#http) return Promise.resolve(null);
    this.#http.abort();
    this.#http = null;
    this.#openHttp();
    return Promise.resolve(null);
  }

  /** Aborts ctrl (as stalled) after silenceTimeout; returns the function that restarts the clock. */
  #watch(ctrl) {
    let timer;
    const alive = () => {
      clearTimeout(timer);
      timer = setTimeout(() => { ctrl.stalled = true; ctrl.abort(); }, this.#opts.silenceTimeout);
    };
    ctrl.signal.addEventListener('abort', () => clearTimeout(timer));
    alive();
    return alive;
  }

  #received() {
    if (!this.#opened) this.#markOpen();
    this.#attempt = 0;
  }

  #deliver(e) {
    if (e.id) this.#advanceAll(e.id); // one order across topics: every topic is complete up to it
    this.#emit('event', { topic: e.topic ?? null, id: e.id ?? null, event: e.event ?? null, data: e.data });
  }

  #reset(r) {
    if (this.#topics.has(r.topic)) this.#topics.set(r.topic, r.id);
    this.#emit('reset', { topic: r.topic, reason: r.reason, id: r.id });
  }

  async #runSse(ctrl) {
    const alive = this.#watch(ctrl);
    // SSE carries no topic: it is known only when the stream follows one.
    const topic = this.#topics.size === 1 ? [...this.#topics.keys()][0] : null;
    const init = { signal: ctrl.signal, credentials: this.#opts.credentials, cache: 'no-store' };
    const { fetchEventStream } = await import('./livepush-sse.js');
    await fetchEventStream(this.#httpUrl(this.#opts.sseUrl), init, (e) => {
      if (ctrl !== this.#http) return;
      alive();
      this.#received();
      if (e.type === 'livepush.position') this.#advanceAll(e.id);
      else if (e.type === 'reset') this.#reset(JSON.parse(e.data));
      else if (e.type !== 'presence.snapshot') {
        let data;
        try { data = JSON.parse(e.data); } catch (err) { data = e.data; } // text payloads stay strings
        this.#deliver({ topic, id: e.id, event: e.type === 'message' ? null : e.type, data });
      }
    }, () => alive(), this.#opts.fetch);
  }

  async #runPoll(ctrl) {
    const alive = this.#watch(ctrl);
    for (;;) {
      const init = { signal: ctrl.signal, credentials: this.#opts.credentials, cache: 'no-store' };
      const res = await this.#opts.fetch(this.#httpUrl(this.#opts.pollUrl), init);
      if (!res.ok) throw new Error(`long-poll: HTTP ${res.status}`);
      const batch = await res.json();
      if (ctrl !== this.#http) return;
      alive();
      this.#received();
      for (const e of batch.events) {
        if (e.event === 'reset') this.#reset(e.data); else this.#deliver(e);
      }
      this.#advanceAll(batch.position); // the next poll asks for what came after it
    }
  }
}
