package io.livepush.internal;

import io.livepush.CloseReason;
import io.netty.channel.EventLoop;
import java.util.ArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** Per event loop: its sessions, swept for heartbeats by one periodic task. Confined to the loop. */
final class LoopState {
  final int index;
  final EventLoop loop;
  final ArrayList<SessionImpl> sessions = new ArrayList<>();
  /** Sessions written to since the last flush pass; see {@link #markDirty}. */
  private final ArrayList<SessionImpl> dirty = new ArrayList<>();
  private boolean flushScheduled;
  private final Runnable flushTask = this::flushDirty;
  /**
   * Delivery tasks submitted to this loop and not yet started (any thread): the hub counts each one up before it
   * submits it and the task counts it down when it starts. Zero then means no other event waits behind this one,
   * so nothing could join a deferred flush and the task flushes each write at once (see {@link #markDirty}).
   */
  final AtomicInteger deliveriesQueued = new AtomicInteger();

  LoopState(int index, EventLoop loop) {
    this.index = index;
    this.loop = loop;
  }

  void add(SessionImpl s) {
    s.loopSlot = sessions.size();
    sessions.add(s);
  }

  /**
   * Defers the flush of {@code s} to a task queued behind the deliveries already waiting on this loop, so a
   * burst of events to one connection leaves in one {@code writev} instead of one syscall each.
   */
  void markDirty(SessionImpl s) {
    if (s.dirty) {
      return;
    }
    s.dirty = true;
    dirty.add(s);
    if (!flushScheduled) {
      flushScheduled = true;
      loop.execute(flushTask);
    }
  }

  private void flushDirty() {
    flushScheduled = false;
    for (int i = 0; i < dirty.size(); i++) {
      SessionImpl s = dirty.get(i);
      s.dirty = false;
      s.flushOut();
    }
    dirty.clear();
  }

  void remove(SessionImpl s) {
    int slot = s.loopSlot;
    if (slot < 0 || slot >= sessions.size() || sessions.get(slot) != s) {
      return;
    }
    SessionImpl last = sessions.remove(sessions.size() - 1);
    if (last != s) {
      sessions.set(slot, last);
      last.loopSlot = slot;
    }
    s.loopSlot = -1;
  }

  /**
   * One pass over the loop's sessions: heartbeat the idle, close the silent. Iterates downwards so a session
   * removed during the pass (swap-remove) never makes another one be skipped.
   */
  void sweep(long now, long intervalNanos, long timeoutNanos) {
    for (int i = sessions.size() - 1; i >= 0; i--) {
      if (i >= sessions.size()) {
        continue;
      }
      SessionImpl s = sessions.get(i);
      if (s.isClosed()) {
        if (s.channel.isActive()) {
          s.lingering(now, intervalNanos + timeoutNanos); // closed, its last bytes still flushing
        }
        continue;
      }
      if (s.unwritableSinceNanos != 0) {
        // Over its budget: not read meanwhile (so its silence is ours) and not pinged (no room). Without
        // draining below the low mark for a heartbeat interval plus timeout, the client is not reading: its
        // pending output and any owed replay are dropped with the connection.
        if (now - s.unwritableSinceNanos >= intervalNanos + timeoutNanos) {
          s.stalled();
        }
        continue;
      }
      if (s.transport.expectsHeartbeatReplies()) {
        long silent = now - s.lastReadNanos;
        if (silent >= intervalNanos + timeoutNanos) {
          s.close(CloseReason.HEARTBEAT_TIMEOUT);
        } else if (silent >= intervalNanos && now - s.lastHeartbeatNanos >= intervalNanos) {
          s.writeHeartbeat(now);
        }
      } else if (now - s.lastWriteNanos >= intervalNanos) {
        s.writeHeartbeat(now);
      }
    }
  }
}
