package io.livepush;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Serves livepush's dependency-free browser modules from the push server itself (GET and HEAD; OPTIONS answers
 * 204 with {@code Allow}), so a page needs no build step and no CDN:
 *
 * <ul>
 *   <li>{@code /livepush/livepush.js}: a client for the {@code livepush.v1} WebSocket protocol (RFC 6455)
 *       that reconnects with exponential backoff and full jitter and resumes every topic from its last id;</li>
 *   <li>{@code /livepush/livepush-sse.js}: helpers around {@code EventSource} (WHATWG HTML §9.2) that keep the
 *       last event id across page reloads (the {@code lastEventId} query parameter) and surface {@code reset},
 *       plus a reader for {@code POST} event streams.</li>
 * </ul>
 *
 * <pre>{@code
 * LivePushServer.builder().httpService(ClientScripts.service())...
 * // in the page: import { LivePushClient } from '/livepush/livepush.js';
 * }</pre>
 *
 * The files are served from core because both transports use them and core is the only module every
 * application has; they are plain resources, so core still knows nothing of either transport. Their source is the
 * npm package folder {@code livepush-js/} ({@code @livepush/client}), which core's build copies into
 * {@code META-INF/livepush/}: bundled applications and pages loading them from here run the same code. Pages of
 * other origins need {@link #service(String, String...)} with their origin (CORS). Documented in
 * {@code docs/javascript-client.md}.
 */
public final class ClientScripts {
  /** The default mount point. */
  public static final String DEFAULT_PREFIX = "/livepush/";

  /** File names served, relative to the prefix. */
  static final String[] FILES = {"livepush.js", "livepush-sse.js"};

  private ClientScripts() {}

  /**
   * Serves the scripts under {@value #DEFAULT_PREFIX}.
   *
   * @return a service answering GET, HEAD and OPTIONS for the scripts, on the event loop; {@code null} for other
   *     paths
   */
  public static HttpService service() {
    return service(DEFAULT_PREFIX);
  }

  /**
   * Serves the scripts under {@code prefix}, which must start and end with {@code /}, for example
   * {@code "/static/livepush/"}, to same-origin pages only (no CORS headers).
   *
   * @param prefix the mount point, starting and ending with {@code /}
   * @return a service answering GET, HEAD and OPTIONS for the scripts, on the event loop; {@code null} for other
   *     paths
   * @throws IllegalArgumentException if {@code prefix} is {@code null} or does not start and end with {@code /}
   */
  public static HttpService service(String prefix) {
    return service(prefix, new String[0]);
  }

  /**
   * Serves the scripts under {@code prefix} to pages of other origins too. A page loads them as module scripts
   * ({@code <script type="module">}, {@code import}), which browsers fetch in CORS mode (WHATWG HTML §8.1.5.3;
   * Fetch standard, "CORS protocol"): a request whose {@code Origin} is listed gets
   * {@code Access-Control-Allow-Origin} with that origin and {@code Vary: Origin}; with {@code "*"} every origin
   * gets {@code Access-Control-Allow-Origin: *}. The scripts are public and never sent with credentials, so no
   * {@code Access-Control-Allow-Credentials}. Unlisted origins get the script without CORS headers, which the
   * browser then refuses to run. Usually the same origins as the transports' {@code allowedOrigins}.
   *
   * @param prefix the mount point, starting and ending with {@code /}
   * @param allowedOrigins serialised origins ({@code scheme://host[:port]}, RFC 6454 §6.2), matched exactly
   *     against the request's {@code Origin}, or {@code "*"} for any; none: same origin only
   * @return a service answering GET, HEAD and OPTIONS for the scripts, on the event loop; {@code null} for other
   *     paths
   * @throws IllegalArgumentException if {@code prefix} does not start and end with {@code /}, or an origin is
   *     neither {@code "*"} nor a serialised origin of visible ASCII
   */
  public static HttpService service(String prefix, String... allowedOrigins) {
    if (prefix == null || !prefix.startsWith("/") || !prefix.endsWith("/")) {
      throw new IllegalArgumentException("prefix: " + prefix + " (expected: starts and ends with /)");
    }
    Set<String> origins = new HashSet<>();
    for (String o : allowedOrigins) {
      // Echoed in Access-Control-Allow-Origin: only a serialised origin may reach that header.
      if (o == null || (!o.equals("*") && !isOrigin(o))) {
        throw new IllegalArgumentException("origin: " + o + " (expected: scheme://host[:port] or *)");
      }
      origins.add(o);
    }
    boolean any = origins.contains("*");
    Map.Entry<String, HttpReply>[] entries = newEntries();
    for (int i = 0; i < FILES.length; i++) {
      HttpReply file = load(FILES[i]);
      // Listed origins: the answer depends on Origin, so shared caches must key on it (Fetch standard, CORS
      // protocol and HTTP caches).
      file = any ? file.withHeader("Access-Control-Allow-Origin", "*")
          : origins.isEmpty() ? file : file.withHeader("Vary", "Origin");
      entries[i] = Map.entry(prefix + FILES[i], file);
    }
    Map<String, HttpReply> files = Map.ofEntries(entries);
    HttpReply options = HttpReply.of(204, "text/plain", new byte[0]).withHeader("Allow", "GET, HEAD, OPTIONS");
    // In-memory lookups: answered on the event loop.
    return HttpService.nonBlocking((request, body) -> {
      HttpReply file = files.get(request.path());
      if (file == null) {
        return null;
      }
      // HEAD is answered as GET by the router, without the body (RFC 9110 §9.3.2).
      HttpReply reply = request.method().equals("GET") ? file : request.method().equals("OPTIONS") ? options : null;
      if (reply == null || any || origins.isEmpty()) {
        return reply;
      }
      String origin = request.header("Origin");
      return origin != null && origins.contains(origin)
          ? reply.withHeader("Access-Control-Allow-Origin", origin).withHeader("Vary", "Origin") : reply;
    });
  }

  /** Whether {@code o} is a serialised origin (RFC 6454 §6.2): {@code scheme://host[:port]}, nothing else. */
  private static boolean isOrigin(String o) {
    try {
      URI u = new URI(o);
      return u.getScheme() != null && u.getHost() != null && u.getRawUserInfo() == null
          && (u.getRawPath() == null || u.getRawPath().isEmpty()) && u.getRawQuery() == null
          && u.getRawFragment() == null && o.chars().allMatch(c -> c > 0x20 && c < 0x7f);
    } catch (URISyntaxException e) {
      return false;
    }
  }

  @SuppressWarnings("unchecked")
  private static Map.Entry<String, HttpReply>[] newEntries() {
    return (Map.Entry<String, HttpReply>[]) new Map.Entry<?, ?>[FILES.length];
  }

  private static HttpReply load(String name) {
    // Under META-INF, not a package directory: io/livepush/client would put a package of the livepush-client
    // module into this module's jar, which the module system refuses (split package).
    try (InputStream in = ClientScripts.class.getResourceAsStream("/META-INF/livepush/" + name)) {
      if (in == null) {
        throw new IllegalStateException("missing resource META-INF/livepush/" + name);
      }
      // no-cache: browsers revalidate, so an upgraded server never runs against a stale client.
      return HttpReply.of(200, "text/javascript; charset=utf-8", in.readAllBytes())
          .withHeader("Cache-Control", "no-cache");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
