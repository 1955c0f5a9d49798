package io.livepush.internal;

import io.livepush.spi.Transport;
import java.util.List;

/**
 * Refuses two transports whose {@link Transport#routes()} can match the same request path: the router offers a
 * request to the transports in the order they were added, so the later one would silently never see it.
 * Templates as {@link Transport#routes()} describes them: literal segments, and {@code {name}} segments that
 * match any one non-empty segment. Routes of one transport are not compared (its own order decides).
 */
public final class RouteClashes {
  private RouteClashes() {}

  /**
   * Checks every pair of transports.
   *
   * @param transports the server's transports, in the order added
   * @throws IllegalArgumentException naming both transports and both routes of the first clash found
   */
  public static void check(List<Transport> transports) {
    for (int i = 0; i < transports.size(); i++) {
      Transport first = transports.get(i);
      for (String a : first.routes()) {
        for (int j = i + 1; j < transports.size(); j++) {
          Transport later = transports.get(j);
          for (String b : later.routes()) {
            if (overlap(a, b)) {
              throw new IllegalArgumentException("routes: " + a + " of transport " + first.name() + " and " + b
                  + " of transport " + later.name() + " match the same paths; " + first.name()
                  + ", added first, would take every such request (expected: each path served by one transport)");
            }
          }
        }
      }
    }
  }

  /** Whether some path matches both templates. */
  static boolean overlap(String a, String b) {
    String[] x = a.split("/", -1);
    String[] y = b.split("/", -1);
    if (x.length != y.length) {
      return false;
    }
    for (int i = 0; i < x.length; i++) {
      boolean vx = variable(x[i]);
      boolean vy = variable(y[i]);
      if (vx && vy) {
        continue;
      }
      if (vx || vy) {
        if ((vx ? y[i] : x[i]).isEmpty()) { // a variable matches a non-empty segment only
          return false;
        }
      } else if (!x[i].equals(y[i])) {
        return false;
      }
    }
    return true;
  }

  private static boolean variable(String segment) {
    return segment.length() > 2 && segment.charAt(0) == '{' && segment.charAt(segment.length() - 1) == '}';
  }
}
