package io.livepush.websocket;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtensionFilter;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtensionFilterProvider;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketServerExtensionHandler;
import io.netty.handler.codec.http.websocketx.extensions.compression.PerMessageDeflateServerExtensionHandshaker;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * permessage-deflate negotiation (RFC 7692 §5, §7.1): Netty's {@link WebSocketServerExtensionHandler} and
 * {@link PerMessageDeflateServerExtensionHandshaker}, with the offers checked first. Netty's handshaker throws
 * {@code NumberFormatException} on a non-numeric window size (the handshake then fails with no HTTP response),
 * and its header parser silently drops malformed and duplicated parameters. So, before Netty reads them, the
 * {@code Sec-WebSocket-Extensions} header lines are parsed against RFC 6455 §9.1 and every {@code permessage-deflate}
 * offer breaking RFC 7692 §7 (unknown or duplicated parameter, a value on a {@code *_no_context_takeover}, a
 * window size that is not a decimal 8-15 without leading zeros, {@code server_max_window_bits} without a value)
 * is declined; the valid ones are passed on in order, so Netty accepts the first (§5.1). Other extensions are
 * declined (livepush implements none). A malformed header declines everything; the handshake completes
 * without extensions either way.
 *
 * <p>Every valid offer can be honoured, {@code server_max_window_bits} and {@code server_no_context_takeover}
 * included, because livepush never compresses what it sends (events are pre-encoded frames shared by every
 * subscriber): the encoder Netty installs skips every frame ({@link WebSocketExtensionFilter#ALWAYS_SKIP}), and
 * uncompressed messages are valid on a permessage-deflate connection (RFC 7692 §6). A new instance per
 * connection (Netty's handler holds per-connection state); runs on the channel's event loop.
 */
final class DeflateOffers extends WebSocketServerExtensionHandler {
  static final String NAME = "permessage-deflate";
  private static final String SERVER_NO_CONTEXT = "server_no_context_takeover";
  private static final String CLIENT_NO_CONTEXT = "client_no_context_takeover";
  private static final String SERVER_MAX_WINDOW = "server_max_window_bits";
  private static final String CLIENT_MAX_WINDOW = "client_max_window_bits";
  /** Offers looked at per request; more are declined (bounds the work a long header can cause). */
  static final int MAX_OFFERS = 16;

  /** Decoder inflates every compressed message; encoder compresses nothing. */
  private static final WebSocketExtensionFilterProvider NEVER_COMPRESS = new WebSocketExtensionFilterProvider() {
    @Override
    public WebSocketExtensionFilter encoderFilter() {
      return WebSocketExtensionFilter.ALWAYS_SKIP;
    }

    @Override
    public WebSocketExtensionFilter decoderFilter() {
      return WebSocketExtensionFilter.NEVER_SKIP;
    }
  };

  DeflateOffers(PerMessageDeflateServerExtensionHandshaker handshaker) {
    super(handshaker);
  }

  /**
   * Netty's handshaker that accepts every valid offer: compression level 6 and memory level 8 are unused
   * (nothing is compressed), client window sizes as offered, server window sizes and
   * {@code server_no_context_takeover} allowed, inflating at most {@code maxAllocation} bytes per frame.
   * Immutable, shared by every connection.
   */
  static PerMessageDeflateServerExtensionHandshaker handshaker(int maxAllocation) {
    return new PerMessageDeflateServerExtensionHandshaker(6, true, 15, true, false, 15, 8, NEVER_COMPRESS,
        maxAllocation);
  }

  @Override
  protected void onHttpRequestChannelRead(ChannelHandlerContext ctx, HttpRequest request) throws Exception {
    HttpHeaders h = request.headers();
    List<String> lines = h.getAll(HttpHeaderNames.SEC_WEBSOCKET_EXTENSIONS);
    if (!lines.isEmpty()) {
      String valid = validOffers(String.join(",", lines));
      if (valid.isEmpty()) {
        h.remove(HttpHeaderNames.SEC_WEBSOCKET_EXTENSIONS);
      } else {
        h.set(HttpHeaderNames.SEC_WEBSOCKET_EXTENSIONS, valid);
      }
    }
    super.onHttpRequestChannelRead(ctx, request);
  }

  /**
   * The valid permessage-deflate offers of a {@code Sec-WebSocket-Extensions} value, in order, in canonical
   * form ({@code permessage-deflate; name=value, ...}), or {@code ""} when there is none or the value does
   * not parse.
   */
  static String validOffers(String header) {
    List<List<String[]>> offers = parse(header);
    if (offers == null) {
      return "";
    }
    StringBuilder out = new StringBuilder();
    for (List<String[]> offer : offers) {
      if (!NAME.equals(offer.get(0)[0]) || !validParameters(offer)) {
        continue;
      }
      if (out.length() > 0) {
        out.append(", ");
      }
      out.append(NAME);
      for (int i = 1; i < offer.size(); i++) {
        String[] p = offer.get(i);
        out.append("; ").append(p[0]);
        if (p[1] != null) {
          out.append('=').append(p[1]);
        }
      }
    }
    return out.toString();
  }

  /** RFC 7692 §7: known names (case-insensitive, lower-cased here), each at most once, valid values. */
  private static boolean validParameters(List<String[]> offer) {
    List<String> seen = new ArrayList<>(4);
    for (int i = 1; i < offer.size(); i++) {
      String[] p = offer.get(i);
      p[0] = p[0].toLowerCase(Locale.ROOT);
      if (seen.contains(p[0])) {
        return false; // §7: "multiple extension parameters with the same name"
      }
      seen.add(p[0]);
      switch (p[0]) {
        case SERVER_NO_CONTEXT:
        case CLIENT_NO_CONTEXT:
          if (p[1] != null) {
            return false; // §7.1.1: these have no value
          }
          break;
        case SERVER_MAX_WINDOW:
          if (!windowBits(p[1])) {
            return false; // §7.1.2.1: a value is required
          }
          break;
        case CLIENT_MAX_WINDOW:
          if (p[1] != null && !windowBits(p[1])) {
            return false; // §7.1.2.2: the value is optional
          }
          break;
        default:
          return false; // §7: a parameter not defined for an offer
      }
    }
    return true;
  }

  /** RFC 7692 §7.1.2: a decimal integer 8-15 without leading zeros. */
  private static boolean windowBits(String v) {
    if (v == null) {
      return false;
    }
    if (v.length() == 1) {
      return v.charAt(0) == '8' || v.charAt(0) == '9';
    }
    return v.length() == 2 && v.charAt(0) == '1' && v.charAt(1) >= '0' && v.charAt(1) <= '5';
  }

  /**
   * Parses {@code 1#extension}, {@code extension = token *( ";" token [ "=" (token | quoted-string) ] )}
   * (RFC 6455 §9.1; a quoted value must be a token once unescaped). Each offer is a list whose first element is
   * {@code {name, null}} followed by {@code {parameter, value-or-null}}. Empty list elements are skipped
   * (RFC 9110 §5.6.1). Returns {@code null} on a syntax error or more than {@link #MAX_OFFERS} offers.
   */
  static List<List<String[]>> parse(String s) {
    List<List<String[]>> offers = new ArrayList<>();
    int[] pos = {0};
    int n = s.length();
    while (true) {
      skipOws(s, pos);
      if (pos[0] == n) {
        return offers;
      }
      if (s.charAt(pos[0]) == ',') {
        pos[0]++;
        continue;
      }
      if (offers.size() == MAX_OFFERS) {
        return null;
      }
      String name = token(s, pos);
      if (name == null) {
        return null;
      }
      List<String[]> offer = new ArrayList<>(4);
      offer.add(new String[] {name, null});
      skipOws(s, pos);
      while (pos[0] < n && s.charAt(pos[0]) == ';') {
        pos[0]++;
        skipOws(s, pos);
        String param = token(s, pos);
        if (param == null) {
          return null;
        }
        skipOws(s, pos);
        String value = null;
        if (pos[0] < n && s.charAt(pos[0]) == '=') {
          pos[0]++;
          skipOws(s, pos);
          value = pos[0] < n && s.charAt(pos[0]) == '"' ? quotedToken(s, pos) : token(s, pos);
          if (value == null) {
            return null;
          }
          skipOws(s, pos);
        }
        offer.add(new String[] {param, value});
      }
      offers.add(offer);
      if (pos[0] < n && s.charAt(pos[0]) != ',') {
        return null;
      }
    }
  }

  private static void skipOws(String s, int[] pos) {
    while (pos[0] < s.length() && (s.charAt(pos[0]) == ' ' || s.charAt(pos[0]) == '\t')) {
      pos[0]++;
    }
  }

  /** A token (RFC 9110 §5.6.2) at {@code pos}, or {@code null} when there is none. */
  private static String token(String s, int[] pos) {
    int start = pos[0];
    while (pos[0] < s.length() && isTchar(s.charAt(pos[0]))) {
      pos[0]++;
    }
    return pos[0] == start ? null : s.substring(start, pos[0]);
  }

  /** A quoted-string whose unescaped content is a token (RFC 6455 §9.1), or {@code null}. */
  private static String quotedToken(String s, int[] pos) {
    StringBuilder v = new StringBuilder();
    for (int i = pos[0] + 1; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"') {
        pos[0] = i + 1;
        return v.length() == 0 ? null : v.toString();
      }
      if (c == '\\' && i + 1 < s.length()) {
        c = s.charAt(++i);
      }
      if (!isTchar(c)) {
        return null;
      }
      v.append(c);
    }
    return null; // unterminated
  }

  /** RFC 9110 §5.6.2 tchar. */
  private static boolean isTchar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
        || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
  }
}
