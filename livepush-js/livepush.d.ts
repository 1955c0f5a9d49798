// Type declarations for livepush.js (the livepush.v1 WebSocket client). Keep in step with livepush.js:
// NpmPackageTest type-checks a consumer against them.
/// <reference lib="dom" />

/** The WebSocket subprotocol the client asks for (RFC 6455 §1.9, `Sec-WebSocket-Protocol`). */
export declare const PROTOCOL: 'livepush.v1';

/**
 * `idle` until connect() (with `connect: false`); `fallback` when moving to the next transport; `closed` after
 * close() or a fatal close code.
 */
export type ConnectionState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'fallback' | 'closed';

/** The transports the client can use, tried in `LivePushClientOptions.transports` order. */
export type TransportName = 'webtransport' | 'websocket' | 'sse' | 'longpoll';

/** An event of a followed topic. */
export interface LivePushEvent {
  /** The topic; null over SSE when the client follows several topics (the SSE wire carries none). */
  topic: string | null;
  /** The event's id: a resume position for this topic (and, see {@link LivePushClient.position}, others). */
  id: string;
  /** The event type the server published with, or null for none. */
  event: string | null;
  /** The parsed JSON payload, or the raw bytes of a binary event. */
  data: unknown;
  /** `true` when it came as a WebTransport datagram (a keep-latest topic, `datagrams: true`); its id moves no position. */
  datagram?: boolean;
}

/** The server could not replay a topic from the requested position; live events follow. */
export interface LivePushReset {
  topic: string;
  /** `too-old`, `epoch-changed`, `unknown-position` or `slow-consumer` (docs/protocol.md). */
  reason: string;
  /** The position the topic continues from. */
  id: string;
}

/** The server's answer to a subscribe: the topics are live from `id`. */
export interface SubscribedMessage {
  type: 'subscribed';
  topics: string[];
  id: string;
  ref?: string;
  [field: string]: unknown;
}

/** An error the server sent (`{"type":"error"}`) or a fatal close; `topics` names a refused subscribe's topics. */
export interface LivePushError extends Error {
  code?: string | number;
  topics?: string[];
}

/** Any server message, as parsed from its JSON (binary events: the JSON header). */
export interface ServerMessage {
  type: string;
  [field: string]: unknown;
}

/** What the client needs of a WebSocket: the browser's, or another implementation such as the `ws` package. */
export interface WebSocketLike {
  binaryType: string;
  onopen: ((event: any) => void) | null;
  onmessage: ((event: any) => void) | null;
  onclose: ((event: any) => void) | null;
  onerror: ((event: any) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;

export interface StateDetail {
  /** With `reconnecting`: the backoff before the next attempt, in milliseconds. */
  delay?: number;
  /** The transport in use or being tried. */
  transport?: TransportName;
  /** With `fallback`: the transport left. */
  from?: TransportName;
  /** With `fallback`: why it was left (did not open in time, closed before it opened, went silent...). */
  reason?: string;
}

export interface LivePushClientOptions {
  /** Subprotocols offered; default `[PROTOCOL]`. */
  protocols?: string[];
  /** First backoff ceiling in ms; default 500. */
  minDelay?: number;
  /** Largest backoff ceiling in ms; default 30000. */
  maxDelay?: number;
  /** A send() without reply or ack within this many ms is rejected; default 10000. */
  replyTimeout?: number;
  /** Messages send() may hold while disconnected; more are rejected at once. Default 100. */
  maxQueue?: number;
  /** Close codes after which the client stops instead of reconnecting; default 1002, 1003, 1007-1010. */
  fatalCloseCodes?: number[];
  /** The WebSocket implementation; default `globalThis.WebSocket`. */
  WebSocket?: WebSocketConstructor;
  /** Random numbers in [0, 1) for the backoff jitter; default `Math.random`. */
  random?: () => number;
  /**
   * The order transports are tried in; one without its URL is left out (webtransport also where the browser has
   * no WebTransport). Default webtransport, websocket, sse, longpoll.
   */
  transports?: TransportName[];
  /** A WebTransportTransport path (e.g. `/live/wt`) or `https://` URL: livepush.v1 over WebTransport first. */
  webTransportUrl?: string | null;
  /** WebTransport's `serverCertificateHashes`, for a self-signed ECDSA P-256 certificate valid at most 14 days. */
  serverCertificateHashes?: { algorithm: 'sha-256'; value: BufferSource }[];
  /**
   * WebTransport: ask the server to send events of keep-latest topics as unreliable datagrams (the newest value,
   * may be lost; never moves a resume position). Default false.
   */
  datagrams?: boolean;
  /** The WebTransport implementation; default `globalThis.WebTransport`. */
  WebTransport?: new (url: string, options?: object) => unknown;
  /** An SseTransport `multiTopicPath` (e.g. `/api/live`): enables the SSE fallback. */
  sseUrl?: string | null;
  /** A LongPollTransport path (e.g. `/api/poll`): enables the long-polling fallback. */
  pollUrl?: string | null;
  /** Ms a transport may take to open (SSE: to deliver anything) before the next is tried; default 10000. */
  connectTimeout?: number;
  /** Ms without a byte (SSE event or heartbeat, poll answer) before the transport is left; default 45000. */
  silenceTimeout?: number;
  /** `fetch` credentials of SSE and long-poll requests; default `'same-origin'`. */
  credentials?: RequestCredentials;
  /** The fetch implementation for SSE and long-polling; default `globalThis.fetch`. */
  fetch?: typeof globalThis.fetch;
  /** `false` defers connecting until connect(); default true. */
  connect?: boolean;
  onEvent?: (event: LivePushEvent) => void;
  onReset?: (reset: LivePushReset) => void;
  onState?: (state: ConnectionState, detail: StateDetail) => void;
  onError?: (error: LivePushError) => void;
  onMessage?: (message: ServerMessage) => void;
}

export interface LivePushListeners {
  event: (event: LivePushEvent) => void;
  reset: (reset: LivePushReset) => void;
  state: (state: ConnectionState, detail: StateDetail) => void;
  error: (error: LivePushError) => void;
  message: (message: ServerMessage) => void;
}

/**
 * A livepush.v1 client that reconnects with exponential backoff and full jitter and resumes every followed topic
 * from the last id it saw, in one subscribe. Listeners run on the page's event loop; one that throws is logged.
 */
export declare class LivePushClient {
  /**
   * @param url `"/ws"` (resolved against the page, http(s) becoming ws(s)), or an absolute ws(s):// or http(s):// URL
   */
  constructor(url: string | null, options?: LivePushClientOptions);

  readonly state: ConnectionState;
  /** The transport in use or being tried. */
  readonly transport: TransportName;
  /** The last id seen per followed topic (null until the server named one), as a new plain object. */
  readonly positions: Record<string, string | null>;
  /**
   * One id every followed topic is complete up to: it resumes all of them at once, over WebSocket (`from`) or SSE
   * (`Last-Event-ID`, `?lastEventId=`). Null until the server has named a position for every followed topic.
   */
  readonly position: string | null;

  /** Adds a listener; returns a function that removes it. */
  on<K extends keyof LivePushListeners>(type: K, listener: LivePushListeners[K]): () => void;

  /** Opens the connection (the constructor does, unless `connect: false`). */
  connect(): void;

  /**
   * Follows topics, from `from` (an event id, `'earliest'` for everything the server retains, or a time: a `Date`
   * or an RFC 3339 string, for what was published from then on) or from now.
   * Resolves with the `subscribed` message once live; with null when every topic was already followed or the
   * client is offline (it subscribes on the next open). Rejects on a refusal (`error` message) or a timeout.
   */
  subscribe(topics: string | string[], options?: { from?: string | Date }): Promise<SubscribedMessage | null>;

  /** Stops following topics; resolves with null once sent (or at once when offline). */
  unsubscribe(topics: string | string[]): Promise<null>;

  /**
   * Sends an application message to the server's handler (WebSocket or WebTransport: rejected over SSE and
   * long-polling). Resolves with the reply's data (undefined for an ack);
   * rejects on an error, after `replyTimeout`, or when the connection drops first (delivery unknown).
   */
  send(topic: string | null | undefined, data: unknown): Promise<unknown>;

  /** Closes for good (no reconnect); pending requests are rejected. Default code 1000. */
  close(code?: number, reason?: string): void;
}
