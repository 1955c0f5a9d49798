// Type declarations for livepush-sse.js (server-sent events helpers, WHATWG HTML §9.2). Keep in step with
// livepush-sse.js: NpmPackageTest type-checks a consumer against them.
/// <reference lib="dom" />

/** An event as the helpers report it: `data` is the raw string (join of the `data:` lines). */
export interface StreamEvent {
  type: string;
  data: string;
  id: string | null;
}

/** The data of a livepush `reset` event; `raw` holds data that was not JSON (then `reason` is `unknown`). */
export interface StreamReset {
  topic?: string;
  reason: string;
  id?: string;
  raw?: string;
}

export type StreamState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed';

/** Where the last id survives reloads: `sessionStorage` by default. */
export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

export interface EventStreamOptions {
  /** Named event types to listen to, besides unnamed `message` events. */
  events?: string[];
  /** Default `globalThis.sessionStorage`; null keeps the last id within the page only. */
  storage?: StorageLike | null;
  /** Default `"livepush:lastEventId:" + url`. */
  storageKey?: string | null;
  /**
   * Resume by time: without a stored id, the stream starts with the events published at or after this time
   * (`?since=`, an RFC 3339 date-time; docs/protocol.md "Resume by time"). Ids win once the stream has one.
   */
  since?: Date | string | null;
  /** Send cookies cross-origin (the server must allow credentials); default false. */
  withCredentials?: boolean;
  /** First backoff ceiling in ms once the browser has given up; default 1000. */
  minDelay?: number;
  /** Largest backoff ceiling in ms; default 30000. */
  maxDelay?: number;
  random?: () => number;
  onEvent?: (event: StreamEvent) => void;
  onReset?: (reset: StreamReset) => void;
  onState?: (state: StreamState) => void;
}

export interface EventStream {
  /** The last id seen (events, resets, the `livepush.position` block), or null. */
  readonly lastEventId: string | null;
  readonly state: StreamState;
  /** The current EventSource; replaced when the helper reopens the stream. */
  readonly source: EventSource | null;
  close(): void;
}

/**
 * Opens an EventSource that resumes across page reloads (`?lastEventId=`) and surfaces `reset`; when the browser
 * gives up it reopens with exponential backoff and full jitter.
 */
export declare function openEventStream(url: string, options?: EventStreamOptions): EventStream;

/** Like RequestInit, with headers as a plain object (they are merged with `Accept: text/event-stream`). */
export type FetchEventStreamInit = Omit<RequestInit, 'headers'> & { headers?: Record<string, string> };

/**
 * Reads a `text/event-stream` response of any request (for example a POST), parsing per WHATWG HTML §9.2.6.
 * Resolves when the stream ends; rejects on a non-2xx status, a network error or an abort (`signal`).
 */
export declare function fetchEventStream(
  url: string | URL,
  init: FetchEventStreamInit | undefined,
  onEvent: (event: StreamEvent) => void,
  /** Called with the text of each comment line (livepush's heartbeats are `:` lines). */
  onComment?: (text: string) => void,
  /** Replaces `globalThis.fetch`. */
  fetchImpl?: typeof globalThis.fetch,
): Promise<void>;
