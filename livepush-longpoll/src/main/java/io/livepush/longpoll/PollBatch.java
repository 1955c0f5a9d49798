package io.livepush.longpoll;

import io.livepush.CloseReason;
import io.livepush.EventId;
import io.livepush.spi.HttpResponses;
import io.livepush.spi.Session;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * One poll's answer, last in its pipeline: every write of the session (its {@link PollFrames}) passes here
 * first. It collects the entries until it answers, once:
 * <ul>
 *   <li>when the replay caught up (the position frame) and anything was collected, at the next flush;</li>
 *   <li>live events: at the flush that follows them, so the deliveries already queued on the loop go in one
 *       answer;</li>
 *   <li>when one more entry would pass {@code maxEvents} or {@code maxBytes}: at once, with the entries so far
 *       and the last one's id as the position (the rest comes on the next poll, which the client sends at once);
 *       an entry alone larger than {@code maxBytes} is answered alone;</li>
 *   <li>after {@code timeout} without an entry, with none (the heartbeat);</li>
 *   <li>when the session closes (shutdown, client gone) with what it has.</li>
 * </ul>
 * The answer is {@code {"events":[...],"position":"<id>"}}, then the connection closes. Entries are retained
 * slices of the core's buffers, at most {@code maxBytes} (plus one entry), released in {@link #handlerRemoved}
 * if never answered. All on the channel's event loop.
 */
final class PollBatch extends ChannelOutboundHandlerAdapter {
  private static final byte[] HEAD = "{\"events\":[".getBytes(StandardCharsets.US_ASCII);
  private static final int MAX_COMPONENTS = Integer.MAX_VALUE;

  private final int maxEvents;
  private final int maxBytes;
  private final long timeoutNanos;
  private final HttpHeaders extraHeaders;
  private Session session;
  private ChannelHandlerContext ctx;
  private CompositeByteBuf entries;
  private int count;
  private int bytes;
  private String position;
  private boolean caughtUp;
  private boolean answered;
  private ScheduledFuture<?> timer;

  /**
   * @param from the position the poll resumes from, the answer's position until an entry or the replay moves it;
   *     {@code null} when unknown (no id, or {@code earliest})
   */
  PollBatch(int maxEvents, int maxBytes, long timeoutNanos, HttpHeaders extraHeaders, EventId from) {
    this.maxEvents = maxEvents;
    this.maxBytes = maxBytes;
    this.timeoutNanos = timeoutNanos;
    this.extraHeaders = extraHeaders;
    this.position = from == null || from.equals(EventId.EARLIEST) ? null : from.toString();
  }

  void session(Session session) {
    this.session = session;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (!(msg instanceof ByteBuf)) {
      ctx.write(msg, promise);
      return;
    }
    ByteBuf buf = (ByteBuf) msg;
    try {
      while (buf.isReadable()) {
        read(buf);
      }
    } finally {
      buf.release();
      promise.trySuccess();
    }
  }

  private void read(ByteBuf buf) {
    byte kind = buf.readByte();
    String id = buf.readCharSequence(buf.readUnsignedByte(), StandardCharsets.US_ASCII).toString();
    int length = buf.readInt();
    if (answered) {
      buf.skipBytes(length);
      return;
    }
    switch (kind) {
      case PollFrames.EVENT, PollFrames.RESET -> {
        if (count > 0 && (count + 1 > maxEvents || bytes + length + 1 > maxBytes)) {
          buf.skipBytes(length); // the next poll reads it from the log
          answer();
          return;
        }
        if (entries == null) {
          entries = ctx.alloc().compositeBuffer(MAX_COMPONENTS);
        } else {
          entries.addComponent(true, Unpooled.wrappedBuffer(new byte[] {','}));
        }
        entries.addComponent(true, buf.readRetainedSlice(length));
        count++;
        bytes += length + 1;
        // A reset's id is a position every topic of the poll is complete up to (docs/protocol.md, "Resume
        // rules"): the next poll goes on after it, not from before it (a second reset, and events missed).
        position = id;
      }
      case PollFrames.POSITION -> {
        position = id;
        caughtUp = true;
        if (count == 0 && timer == null) {
          timer = ctx.executor().schedule(this::answer, timeoutNanos, TimeUnit.NANOSECONDS);
        }
      }
      default -> buf.skipBytes(length); // a heartbeat: the timeout answer is the poll's heartbeat
    }
  }

  @Override
  public void flush(ChannelHandlerContext ctx) {
    if (!answered && caughtUp && count > 0) {
      answer();
    }
    ctx.flush();
  }

  /** Answers now with what was collected, then closes; once. */
  void answer() {
    if (answered) {
      return;
    }
    answered = true;
    if (timer != null) {
      timer.cancel(false);
    }
    CompositeByteBuf body = entries;
    entries = null;
    if (position == null) {
      // Closed before the poll knew its position (shutdown during admission): nothing to resume from.
      ReferenceCountUtil.release(body);
      HttpHeaders h = extraHeaders.copy().setInt(HttpHeaderNames.RETRY_AFTER, 1);
      HttpResponses.sendError(ctx, HttpResponseStatus.SERVICE_UNAVAILABLE, "try again", h);
    } else {
      if (body == null) {
        body = ctx.alloc().compositeBuffer(3);
      }
      body.addComponent(true, 0, Unpooled.wrappedBuffer(HEAD));
      body.addComponent(true, Unpooled.wrappedBuffer(("],\"position\":\"" + position + "\"}")
          .getBytes(StandardCharsets.US_ASCII)));
      FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, body);
      response.headers()
          .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
          .setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes())
          .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE)
          .set(HttpResponses.X_CONTENT_TYPE_OPTIONS, HttpResponses.NOSNIFF)
          .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE)
          .add(extraHeaders);
      ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }
    if (session != null) {
      session.close(CloseReason.COMPLETED); // stops the replay; the answer above closes the channel
    }
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    if (timer != null) {
      timer.cancel(false);
    }
    ReferenceCountUtil.release(entries);
    entries = null;
    answered = true;
  }
}
