package io.livepush.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One long-polling subscriber of the generator: {@code GET /poll?topic=...} held by the server until an event
 * or its timeout answers it ({@code connection: close}), then the next poll from the answer's
 * {@code "position"}, on a new connection, for as long as the generator runs. Counts as established once its
 * first request is written (a held poll answers nothing; the idle scenario waits for the server's connection count
 * instead). Event values in answers are scanned like SSE bytes. One per poll; the subscriber's {@link Receiver}
 * goes from poll to poll. Runs on its channel's event loop.
 */
final class LongPoller extends ChannelInboundHandlerAdapter implements LoadGen.Connecting {
  /** An answer larger than this ends the subscriber (the server's default batch bound is 256 KiB). */
  private static final int MAX_ANSWER = 4 << 20;
  private static final Pattern POSITION = Pattern.compile("\"position\":\"([0-9a-z-]+)\"");
  static final String PATH = "/poll";

  private final LoadGen gen;
  private final Receiver rx;
  private final String topic;
  private final String from;
  private final ByteArrayOutputStream answer = new ByteArrayOutputStream(256);

  private LongPoller(LoadGen gen, Receiver rx, String topic, String from) {
    this.gen = gen;
    this.rx = rx;
    this.topic = topic;
    this.from = from;
  }

  /** Starts one long-polling subscriber; its first request counts down {@code latch}. */
  static void poll(LoadGen gen, String topic, String from, CountDownLatch latch) {
    gen.connectOne(new LongPoller(gen, new Receiver(gen, latch), topic, from));
  }

  @Override
  public void connectFailed(String why) {
    rx.ended("long-poll " + why);
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    String host = gen.server().getHostString() + ":" + gen.server().getPort();
    byte[] request = ("GET " + PATH + "?topic=" + topic + (from == null ? "" : "&lastEventId=" + from)
        + " HTTP/1.1\r\nHost: " + host + "\r\nAccept: application/json\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    ctx.writeAndFlush(Unpooled.wrappedBuffer(request)).addListener(f -> {
      if (f.isSuccess()) {
        rx.handshakeDone();
      }
    });
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    ByteBuf buf = (ByteBuf) msg;
    try {
      rx.now = System.nanoTime();
      if (answer.size() + buf.readableBytes() > MAX_ANSWER) {
        ctx.close();
        return;
      }
      buf.readBytes(answer, buf.readableBytes());
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e); // ByteArrayOutputStream does not throw
    } finally {
      ReferenceCountUtil.release(buf);
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (gen.closing) {
      rx.ended("long-poll: generator closing");
      return;
    }
    // The server answers with "connection: close": the answer is complete when the connection ends.
    String text = answer.toString(StandardCharsets.UTF_8);
    int body = text.indexOf("\r\n\r\n");
    Matcher m = body < 0 ? null : POSITION.matcher(text).region(body, text.length());
    if (!text.startsWith("HTTP/1.1 200") || m == null || !m.find()) {
      String status = text.isEmpty() ? "no answer" : text.substring(0, Math.max(0, text.indexOf('\r')));
      rx.ended("long-poll: " + status);
      return;
    }
    for (int i = body + 4; i < text.length(); i++) {
      rx.process((byte) text.charAt(i)); // digits and quotes are ASCII: char == byte
    }
    rx.endMessage();
    gen.repolls.increment();
    gen.connectOne(new LongPoller(gen, rx, topic, m.group(1)));
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (!rx.handshaken() && gen.firstFailure == null) {
      gen.firstFailure = "long-poll: " + cause;
    }
    ctx.close();
  }
}
