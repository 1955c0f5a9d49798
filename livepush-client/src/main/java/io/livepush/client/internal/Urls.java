package io.livepush.client.internal;

import io.livepush.client.ClientConfig;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/** URL helpers. */
public final class Urls {
  private Urls() {}

  /**
   * {@code base} with the config's topics ({@code topic=}), ticket and, when not {@code null}, {@code lastEventId}
   * added to its query, or when {@code since} the config's {@code since} time (if any); its fragment dropped.
   */
  static URI withQuery(URI base, ClientConfig config, String position, boolean since) {
    StringBuilder q = new StringBuilder(base.getRawQuery() == null ? "" : base.getRawQuery());
    for (String t : config.topics()) {
      q.append(q.length() == 0 ? "" : "&").append("topic=").append(URLEncoder.encode(t, StandardCharsets.UTF_8));
    }
    if (config.ticket() != null) {
      q.append(q.length() == 0 ? "" : "&").append(config.ticketParameter()).append('=')
          .append(URLEncoder.encode(config.ticket().get(), StandardCharsets.UTF_8));
    }
    if (position != null) {
      q.append(q.length() == 0 ? "" : "&").append("lastEventId=")
          .append(URLEncoder.encode(position, StandardCharsets.UTF_8));
    } else if (since && config.since() != null) {
      q.append(q.length() == 0 ? "" : "&").append("since=")
          .append(URLEncoder.encode(config.since().toString(), StandardCharsets.UTF_8));
    }
    String s = base.toString();
    int cut = s.indexOf('?') >= 0 ? s.indexOf('?') : s.indexOf('#') >= 0 ? s.indexOf('#') : s.length();
    return URI.create(s.substring(0, cut) + (q.length() == 0 ? "" : "?" + q));
  }

  /** {@code uri} without its query and fragment, which may carry credentials (tickets): safe to log. */
  public static String redact(URI uri) {
    if (uri == null) {
      return null;
    }
    return uri.getScheme() + "://" + uri.getRawAuthority() + (uri.getRawPath() == null ? "" : uri.getRawPath());
  }
}
