// livepush-sse.js: dependency-free browser helpers for livepush's server-sent events (WHATWG HTML §9.2).
// Served by io.livepush.ClientScripts at /livepush/livepush-sse.js; documented in docs/javascript-client.md.
//
//   import { openEventStream, fetchEventStream } from '/livepush/livepush-sse.js';
//   const stream = openEventStream('/api/live?topic=match:1&topic=match:2', {
//     events: ['score-update', 'match-end'],
//     onEvent: (e) => render(e.type, JSON.parse(e.data)),
//     onReset: (r) => reloadSnapshot(r),                 // { topic, reason, id }
//     onState: (s) => badge.textContent = s,             // connecting | open | reconnecting | closed
//   });
//
// EventSource resends the last id (Last-Event-ID) only on its own reconnects. openEventStream also stores it
// in sessionStorage and passes it as ?lastEventId= when the page is reloaded or the stream is reopened, so a
// reload resumes instead of silently skipping what was published meanwhile. A fresh stream's position (the
// `livepush.position` event livepush sends after the replay) is stored too, so even a reload before the first
// event resumes from where the stream went live. When the browser gives up (the
// EventSource is CLOSED, e.g. after a 503), it reopens with exponential backoff and full jitter.

const DEFAULTS = {
  events: [], // named event types to listen to, besides unnamed "message" events
  storage: globalThis.sessionStorage, // where the last id survives reloads; null to disable
  storageKey: null, // default: "livepush:lastEventId:" + url
  since: null, // a Date or RFC 3339 string: without a stored id, start with what was published from then on
  withCredentials: false,
  minDelay: 1000, // ms: first backoff ceiling when the browser has given up
  maxDelay: 30000, // ms
  random: Math.random,
};

function safeGet(storage, key) {
  try { return storage ? storage.getItem(key) : null; } catch { return null; }
}

function safeSet(storage, key, value) {
  try { if (storage) storage.setItem(key, value); } catch { /* private mode, quota: resume within the page only */ }
}

/**
 * Opens an EventSource that resumes across reloads and surfaces `reset`.
 * onEvent gets { type, data, id } (data is the raw string); onReset gets { topic, reason, id }.
 * Returns { close(), lastEventId, state, source }.
 */
export function openEventStream(url, options = {}) {
  const opts = { ...DEFAULTS, ...options };
  const key = opts.storageKey || 'livepush:lastEventId:' + url;
  let lastEventId = safeGet(opts.storage, key);
  let source = null;
  let state = 'idle';
  let attempt = 0;
  let timer = null;
  let closed = false;

  const setState = (s) => {
    if (s === state) return;
    state = s;
    if (opts.onState) opts.onState(s);
  };
  const remember = (id) => {
    if (!id) return;
    lastEventId = id;
    safeSet(opts.storage, key, id);
  };

  function open() {
    const u = new URL(url, globalThis.location ? globalThis.location.href : undefined);
    if (lastEventId) u.searchParams.set('lastEventId', lastEventId); // the header, if any, wins on the server
    else if (opts.since) { // resume by time until the first id: the browser's Last-Event-ID wins over it
      u.searchParams.set('since', opts.since instanceof Date ? opts.since.toISOString() : String(opts.since));
    }
    setState(state === 'reconnecting' ? 'reconnecting' : 'connecting');
    const es = new EventSource(u.toString(), { withCredentials: opts.withCredentials });
    source = es;
    const onMessage = (e) => {
      remember(e.lastEventId);
      if (opts.onEvent) opts.onEvent({ type: e.type, data: e.data, id: e.lastEventId || null });
    };
    es.addEventListener('message', onMessage);
    for (const type of opts.events) es.addEventListener(type, onMessage);
    // The position the stream is live from: only moves the last id, never reaches onEvent.
    es.addEventListener('livepush.position', (e) => remember(e.lastEventId));
    es.addEventListener('reset', (e) => {
      // A reset carries the position to resume from as its SSE id (the browser resumes from it) and in its data.
      let info;
      try { info = JSON.parse(e.data); } catch { info = { reason: 'unknown', raw: e.data }; }
      remember(info.id);
      if (opts.onReset) opts.onReset(info);
    });
    es.onopen = () => { attempt = 0; setState('open'); };
    es.onerror = () => {
      if (es !== source || closed) return;
      if (es.readyState === EventSource.CONNECTING) {
        setState('reconnecting'); // the browser retries itself, sending Last-Event-ID
        return;
      }
      // CLOSED: the browser gave up (non-200, wrong content type). Reopen later with our stored id.
      es.close();
      const ceiling = Math.min(opts.maxDelay, opts.minDelay * 2 ** attempt);
      attempt = Math.min(attempt + 1, 30);
      setState('reconnecting');
      timer = setTimeout(() => { timer = null; if (!closed) open(); }, Math.floor(opts.random() * ceiling));
    };
  }

  open();
  return {
    get lastEventId() { return lastEventId; },
    get state() { return state; },
    get source() { return source; },
    close() {
      closed = true;
      clearTimeout(timer);
      if (source) source.close();
      setState('closed');
    },
  };
}

/**
 * Reads a text/event-stream response of any request (EventSource can only GET), for example a streamed
 * answer to a POSTed question. Parses per WHATWG HTML §9.2.6 (CR, LF and CRLF line ends; data lines joined
 * with LF) and calls onEvent({ type, data, id }) for each event, and onComment(text), when given, for each
 * comment line (livepush's heartbeats are ":" lines). Resolves when the stream ends; rejects on a non-2xx status
 * or a network error. Pass signal (AbortController) to stop early; fetchImpl replaces globalThis.fetch.
 */
export async function fetchEventStream(url, init = {}, onEvent, onComment, fetchImpl = globalThis.fetch) {
  const res = await fetchImpl(url, { ...init, headers: { Accept: 'text/event-stream', ...(init.headers || {}) } });
  if (!res.ok) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let data = [];
  let type = '';
  let id = null;
  const line = (l) => {
    if (l === '') {
      if (data.length) onEvent({ type: type || 'message', data: data.join('\n'), id });
      data = [];
      type = '';
      return;
    }
    if (l.startsWith(':')) {
      if (onComment) onComment(l.slice(1));
      return;
    }
    const colon = l.indexOf(':');
    const field = colon < 0 ? l : l.slice(0, colon);
    let value = colon < 0 ? '' : l.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') data.push(value);
    else if (field === 'event') type = value;
    else if (field === 'id' && !value.includes('\0')) id = value;
  };
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let m;
    // A lone CR at the very end may be half of a CRLF: keep it until more arrives.
    while ((m = /\r\n|\n|\r(?=[\s\S])/.exec(buffer))) {
      line(buffer.slice(0, m.index));
      buffer = buffer.slice(m.index + m[0].length);
    }
  }
  if (buffer.endsWith('\r')) line(buffer.slice(0, -1));
  // Per WHATWG an event not terminated by a blank line at end of stream is discarded.
}
