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
 * bounds are those of {@link V1Session}'s class comment. Loop only; one per {@link V1Session}.
 */
final class V1Inbox {
  // V1Session's logger, so that operators keep one logger name for the protocol.
  private static final Logger LOG = LoggerFactory.getLogger(V1Session.class);

  private final V1Session conn;
  private final V1Requests requests;
  private final int maxPendingMessages;
  /**
   * livepush.v1 messages that arrived while an earlier one waits for a callback (authorizer, handler), handled
   * in order once it is done; at most maxPendingMessages. Created on first use: idle memory matters.
   */
  private ArrayDeque<String> inbox;
  /** A message is waiting for a callback; later ones go to {@link #inbox}. */
  private boolean busy;
  /** Requests waiting for {@link Session#canWrite()}, in arrival order; {@code null} when none. */
  private ArrayDeque<String> waiting;
  private int waitingBytes;

  V1Inbox(V1Session conn, V1Requests requests, int maxPendingMessages) {
    this.conn = conn;
    this.requests = requests;
    this.maxPendingMessages = maxPendingMessages;
  }

  /** See {@link V1Session#onText}. */
  void onText(String text) {
    Session s = conn.session();
    if (s == null || conn.link().isClosing()) {
      return;
    }
    if (waiting != null || !s.canWrite()) {
      await(text);
      return;
    }
    handleOrQueue(text);
  }

  /** See {@link V1Session#onWritable}. */
  void onWritable() {
    Session s = conn.session();
    while (waiting != null && s != null && !conn.link().isClosing() && s.canWrite()) {
      String text = waiting.pollFirst();
      if (text == null) {
        waiting = null;
        waitingBytes = 0;
        break;
      }
      waitingBytes -= text.length();
      handleOrQueue(text);
    }
    if (waiting != null && waiting.isEmpty()) {
      waiting = null;
      waitingBytes = 0;
    }
  }

  /** See {@link V1Session#discard}. */
  void discard() {
    inbox = null;
    waiting = null;
    waitingBytes = 0;
  }

  private void await(String text) {
    int bytes = text.length();
    if (waiting == null) {
      waiting = new ArrayDeque<>();
    }
    if (waitingBytes + bytes > V1Session.MAX_WAITING_BYTES && !waiting.isEmpty()) {
      waiting = null;
      waitingBytes = 0;
      LOG.debug("closing {}: requests sent without reading the answers", conn.channel());
      conn.session().close(CloseReason.POLICY_VIOLATION);
      return;
    }
    waiting.addLast(text);
    waitingBytes += bytes;
  }

  /** One livepush.v1 message: handled now, or queued behind one that waits for a callback. */
  private void handleOrQueue(String text) {
    if (busy) {
      ArrayDeque<String> q = inbox;
      if (q == null) {
        q = new ArrayDeque<>();
        inbox = q;
      }
      if (q.size() + 1 >= maxPendingMessages) { // waiting ones plus the one in flight
        conn.session().close(CloseReason.POLICY_VIOLATION);
        return;
      }
      q.add(text);
      return;
    }
    process(text);
  }

  private void process(String text) {
    CompletableFuture<Void> done = requests.handleText(text);
    if (!done.isDone()) {
      busy = true;
      done.whenComplete((v, e) -> conn.onLoop(this::resumeInbox));
    }
  }

  /** The message that waited is done (on the loop): handle those that arrived meanwhile, in order. */
  private void resumeInbox() {
    busy = false;
    ArrayDeque<String> q = inbox;
    while (!busy && !conn.link().isClosing() && q != null && !q.isEmpty()) {
      Session s = conn.session();
      if (s != null && !s.canWrite()) {
        deferInbox(q);
        return;
      }
      process(q.poll());
    }
  }

  /**
   * Over the outbound budget: the messages that waited for a callback now wait for the client to read, ahead
   * of later requests (so the order holds); {@link #await} closes once they pass the waiting bound.
   */
  private void deferInbox(ArrayDeque<String> q) {
    if (waiting == null) {
      waiting = new ArrayDeque<>();
    }
    String text;
    while ((text = q.pollLast()) != null) {
      waiting.addFirst(text);
      waitingBytes += text.length();
    }
  }
}
