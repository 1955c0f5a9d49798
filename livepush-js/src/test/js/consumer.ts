// Type-checked (never run) by NpmPackageTest against the packed @livepush/client, once with bundler and once with
// Node's module resolution: the package's "exports" and "types" must lead both to the declarations.
import {
  LivePushClient,
  PROTOCOL,
  type ConnectionState,
  type LivePushEvent,
  type LivePushReset,
  type SubscribedMessage,
} from '@livepush/client';
import { fetchEventStream, openEventStream, type EventStream, type StreamEvent } from '@livepush/client/sse';

const protocol: 'livepush.v1' = PROTOCOL;
const client = new LivePushClient('/ws', {
  connect: false,
  maxQueue: 10,
  onEvent: (e: LivePushEvent) => console.log(e.topic, e.id, e.event, e.data),
  onReset: (r: LivePushReset) => console.log(r.topic, r.reason, r.id),
  onState: (s: ConnectionState, detail) => console.log(s, detail.delay),
});
const off: () => void = client.on('error', (e) => console.log(e.code, e.topics));
const subscribed: Promise<SubscribedMessage | null> = client.subscribe(['a', 'b'], { from: 'earliest' });
const position: string | null = client.position;
const positions: Record<string, string | null> = client.positions;
client.send('chat', { say: 'hi' }).then((reply: unknown) => reply);
client.close(1000, 'bye');

const stream: EventStream = openEventStream('/live?topic=a', {
  events: ['goal'],
  storage: null,
  onEvent: (e: StreamEvent) => console.log(e.type, e.data, e.id),
  onReset: (r) => console.log(r.reason),
});
const lastId: string | null = stream.lastEventId;
const done: Promise<void> = fetchEventStream('/ask', { method: 'POST', body: '{}' }, (e) => console.log(e.data));

// The declarations are not `any`: misuse fails to compile.
// @ts-expect-error an unknown listener type
client.on('nope', () => {});
// @ts-expect-error topics are strings
client.subscribe(42);
// @ts-expect-error state is read-only
client.state = 'open';
// @ts-expect-error only "." and "./sse" are exported, not the files themselves
const deep = import('@livepush/client/livepush.js');

export { deep, protocol, off, subscribed, position, positions, lastId, done };
