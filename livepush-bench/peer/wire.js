'use strict';
// What every JavaScript peer of the livepush benchmarks puts on the wire, so all servers send the same bytes:
// the payload of io.livepush.bench.Payload and the livepush.v1 messages around it.

// {"s":seq,"t":intendedNanos,"p":"xxx"} padded to `size` bytes, as the Java publisher makes it.
function payload(s, t, size) {
  const head = `{"s":${s},"t":${t},"p":"`;
  const pad = Math.max(0, size - head.length - 2);
  return head + 'x'.repeat(pad) + '"}';
}

// The livepush.v1 event envelope around a JSON payload.
function envelope(seq, data) {
  return `{"type":"event","topic":"bench","id":"${seq}","event":null,"data":${data}}`;
}

// The livepush.v1 answer to a subscribe: the generator counts a WebSocket as established at it.
function subscribed(topics, seq) {
  return `{"type":"subscribed","topics":${JSON.stringify(topics)},"id":"${seq}"}`;
}

module.exports = { payload, envelope, subscribed };
