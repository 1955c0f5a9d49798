package io.livepush;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;

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
 * The files live in core because both transports use them and core is the only module every application has;
 * they are plain resources, so core still knows nothing of either transport. Documented in
 * {@code docs/javascript-client.md}.
 */
public final class ClientScripts {
  /** The default mount point. */
  public static final String DEFAULT_PREFIX = "/livepush/";

  /** File names served, relative to the prefix. */
  static final String[] FILES = {"livepush.js", "livepush-sse.js"};

  private ClientScripts() {}

  /** Serves the scripts under {@value #DEFAULT_PREFIX}. */
  public static HttpService service() {
    return service(DEFAULT_PREFIX);
  }

  /**
   * Serves the scripts under {@code prefix}, which must start and end with {@code /}, for example
   * {@code "/static/livepush/"}.
   */
  public static HttpService service(String prefix) {
    if (prefix == null || !prefix.startsWith("/") || !prefix.endsWith("/")) {
      throw new IllegalArgumentException("prefix: " + prefix + " (expected: starts and ends with /)");
    }
    Map.Entry<String, HttpReply>[] entries = newEntries();
    for (int i = 0; i < FILES.length; i++) {
      entries[i] = Map.entry(prefix + FILES[i], load(FILES[i]));
    }
    Map<String, HttpReply> files = Map.ofEntries(entries);
    HttpReply options = HttpReply.of(204, "text/plain", new byte[0]).withHeader("Allow", "GET, HEAD, OPTIONS");
    return (request, body) -> {
      HttpReply file = files.get(request.path());
      if (file == null) {
        return null;
      }
      // HEAD is answered as GET by the router, without the body (RFC 9110 §9.3.2).
      return request.method().equals("GET") ? file : request.method().equals("OPTIONS") ? options : null;
    };
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
