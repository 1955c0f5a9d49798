package io.livepush.client.internal;

import java.net.URI;

/** URL helpers. */
public final class Urls {
  private Urls() {}

  /** {@code uri} without its query and fragment, which may carry credentials (tickets): safe to log. */
  public static String redact(URI uri) {
    if (uri == null) {
      return null;
    }
    return uri.getScheme() + "://" + uri.getRawAuthority() + (uri.getRawPath() == null ? "" : uri.getRawPath());
  }
}
