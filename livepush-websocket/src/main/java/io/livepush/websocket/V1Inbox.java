package io.livepush.websocket;

import io.livepush.CloseReason;
import io.livepush.spi.Session;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * When each livepush.v1 message of one connection is handled: now, after the client read enough answers
 * ({@link Session#canWrite}), or after the message ahead of it finished its callback (authorizer, handler). The
 * bounds are those of {@link V1Session}'s class comment. Stateless: one per transport ({@link V1Protocol}); the
 * queues are fields of the connection's {@link V1Session} (created on first use: idle memory matters). Loop only
 * (the connection's).
 */
final class V1Inbox {
  // V1Session's logger, so that operators keep one logger name for the protocol.
  private static final Logger LOG = LoggerFactory.getLogger(V1Session.class);

  private final V1Requests requests;
  private final int maxPendingMessages;

  V1Inbox(V1Requests requests, int maxPendingMessages) {
    this.requests = requests;
    this.maxPendingMessages = maxPendingMessages;
  }

  /** See {@link V1Session#onText}. */
  void onText(V1Session conn, String text) {
    Session s = conn.session();
    if (s == null || conn.isClosing()) {
      return;
    }
    if (conn.waiting != null || !s.canWrite()) {
      await(conn, text);
      return;
    }
    handleOrQueue(conn, text);
  }

  /** See {@link V1Session#onWritable}. */
  void onWritable(V1Session conn) {
    Session s = conn.session();
    while (conn.waiting != null && s != null && !conn.isClosing() && s.canWrite()) {
      String text = conn.waiting.pollFirst();
      if (text == null) {
        conn.waiting = null;
        conn.waitingBytes = 0;
        break;
      }
      conn.waitingBytes -= text.length();
      handleOrQueue(conn, text);
    }
    if (conn.waiting != null && conn.waiting.isEmpty()) {
      conn.waiting = null;
      conn.waitingBytes = 0;
    }
  }

  /** See {@link V1Session#discard}. */
  void discard(V1Session conn) {
    conn.queued = null;
    conn.waiting = null;
    conn.waitingBytes = 0;
  }

  private void await(V1Session conn, String text) {
    int bytes = text.length();
    if (conn.waiting == null) {
      conn.waiting = new ArrayDeque<>();
    }
    if (conn.waitingBytes + bytes > V1Session.MAX_WAITING_BYTES && !conn.waiting.isEmpty()) {
      conn.waiting = null;
      conn.waitingBytes = 0;
      LOG.debug("closing {}: requests sent without reading the answers", conn.channel());
      conn.session().close(CloseReason.POLICY_VIOLATION);
      return;
    }
    conn.waiting.addLast(text);
    conn.waitingBytes += bytes;
  }

  /** One livepush.v1 message: handled now, or queued behind one that waits for a callback. */
  private void handleOrQueue(V1Session conn, String text) {
    if (conn.busy) {
      ArrayDeque<String> q = conn.queued;
      if (q == null) {
        q = new ArrayDeque<>();
        conn.queued = q;
      }
      if (q.size() + 1 >= maxPendingMessages) { // waiting ones plus the one in flight
        conn.session().close(CloseReason.POLICY_VIOLATION);
        return;
      }
      q.add(text);
      return;
    }
    process(conn, text);
  }

  private void process(V1Session conn, String text) {
    CompletableFuture<Void> done = requests.handleText(conn, text);
    if (!done.isDone()) {
      conn.busy = true;
      done.whenComplete((v, e) -> conn.onLoop(() -> resumeInbox(conn)));
    }
  }

  /** The message that waited is done (on the loop): handle those that arrived meanwhile, in order. */
  private void resumeInbox(V1Session conn) {
    conn.busy = false;
    ArrayDeque<String> q = conn.queued;
    while (!conn.busy && !conn.isClosing() && q != null && !q.isEmpty()) {
      Session s = conn.session();
      if (s != null && !s.canWrite()) {
        deferInbox(conn, q);
        return;
      }
      process(conn, q.poll());
    }
  }

  /**
   * Over the outbound budget: the messages that waited for a callback now wait for the client to read, ahead
   * of later requests (so the order holds); {@link #await} closes once they pass the waiting bound.
   */
  private void deferInbox(V1Session conn, ArrayDeque<String> q) {
    if (conn.waiting == null) {
      conn.waiting = new ArrayDeque<>();
    }
    String text;
    while ((text = q.pollLast()) != null) {
      conn.waiting.addFirst(text);
      conn.waitingBytes += text.length();
    }
  }
}
