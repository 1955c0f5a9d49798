package io.livepush.bench;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** {@code --name value} options plus positional arguments; {@code --flag} alone means "true". */
public final class Options {
  private final Map<String, String> values = new HashMap<>();
  private final List<String> positional = new ArrayList<>();

  public Options(String[] args, int from) {
    for (int i = from; i < args.length; i++) {
      if (args[i].startsWith("--")) {
        String name = args[i].substring(2);
        if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
          values.put(name, args[++i]);
        } else {
          values.put(name, "true");
        }
      } else {
        positional.add(args[i]);
      }
    }
  }

  public String string(String name, String dflt) {
    return values.getOrDefault(name, dflt);
  }

  public int integer(String name, int dflt) {
    String v = values.get(name);
    if (v == null) {
      return dflt;
    }
    try {
      return Integer.parseInt(v.replace("_", ""));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--" + name + ": " + v + " (expected: an integer)");
    }
  }

  public double decimal(String name, double dflt) {
    String v = values.get(name);
    return v == null ? dflt : Double.parseDouble(v);
  }

  /** The comma-separated values of {@code name} (or of {@code dflt}); empty when the value is empty. */
  public List<String> list(String name, String dflt) {
    String v = string(name, dflt);
    return v.isEmpty() ? List.of() : Arrays.asList(v.split(","));
  }

  /** {@code host:port} (the port after the last colon) as an unresolved-if-need-be socket address. */
  static InetSocketAddress address(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    return new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
  }

  public List<String> positional() {
    return positional;
  }
}
