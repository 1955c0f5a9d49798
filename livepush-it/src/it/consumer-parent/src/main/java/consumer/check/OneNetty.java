package consumer.check;

import io.netty.util.Version;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/** Fails the consumer unless every Netty artifact visible to it reports the one expected version. */
public final class OneNetty {
  private OneNetty() {}

  public static void require(String expected) {
    Map<String, Version> found = Version.identify(OneNetty.class.getClassLoader());
    TreeSet<String> versions = new TreeSet<>();
    TreeMap<String, String> byArtifact = new TreeMap<>();
    found.forEach((artifact, v) -> {
      versions.add(v.artifactVersion());
      byArtifact.put(artifact, v.artifactVersion());
    });
    if (found.isEmpty() || !versions.equals(new TreeSet<>(java.util.List.of(expected)))) {
      throw new AssertionError("expected only Netty " + expected + ", found " + byArtifact);
    }
    System.out.println("one Netty: " + expected + " in " + byArtifact.keySet());
  }
}
