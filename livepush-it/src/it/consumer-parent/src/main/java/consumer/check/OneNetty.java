package consumer.check;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.util.Collections;
import java.util.Properties;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Fails the consumer unless every Netty artifact visible to it reports the one expected version ({@code none}:
 * unless there is no Netty at all). Reads what {@code io.netty.util.Version.identify()} reads — every jar's
 * {@code META-INF/io.netty.versions.properties} — without needing Netty to compile, so the client consumer, which
 * must have none, can run it too.
 */
public final class OneNetty {
  private OneNetty() {}

  public static void require(String expected) {
    TreeMap<String, String> byArtifact = new TreeMap<>();
    try {
      for (URL url : Collections.list(OneNetty.class.getClassLoader()
          .getResources("META-INF/io.netty.versions.properties"))) {
        Properties p = new Properties();
        try (InputStream in = url.openStream()) {
          p.load(in);
        }
        for (String key : p.stringPropertyNames()) {
          if (key.endsWith(".version")) {
            byArtifact.put(key.substring(0, key.length() - ".version".length()), p.getProperty(key));
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    TreeSet<String> versions = new TreeSet<>(byArtifact.values());
    boolean ok = expected.equals("none") ? byArtifact.isEmpty()
        : !byArtifact.isEmpty() && versions.equals(new TreeSet<>(java.util.List.of(expected)));
    if (!ok) {
      throw new AssertionError("expected Netty " + expected + ", found " + byArtifact);
    }
    System.out.println("Netty " + expected + ": " + byArtifact.keySet());
  }
}
