package io.livepush.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * Turns Netty leak reports into test failures.
 *
 * <p>Registered twice through {@code META-INF/services}: as a {@link LauncherSessionListener} it installs a
 * recording {@link ResourceLeakDetectorFactory} before any test class touches a {@link ByteBuf}; as an
 * auto-detected JUnit extension it runs after every test class, collects garbage, pokes the detectors so they
 * drain their reference queues, and fails the class if any leak was reported. Tests run with
 * {@code -Dio.netty.leakDetection.level=paranoid}, so every buffer is tracked.
 */
public final class LeakGuard implements LauncherSessionListener, AfterAllCallback {

  private static final List<String> LEAKS = new CopyOnWriteArrayList<>();
  private static volatile boolean installed;

  @Override
  public void launcherSessionOpened(LauncherSession session) {
    install();
  }

  /** Installs the recording detector factory; idempotent. */
  public static synchronized void install() {
    if (installed) {
      return;
    }
    installed = true;
    ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(new RecordingFactory());
  }

  @Override
  public void afterAll(ExtensionContext context) {
    List<String> found = drain();
    if (!found.isEmpty()) {
      throw new AssertionError("Netty reported " + found.size() + " leak(s) by the end of "
          + context.getDisplayName() + ":\n" + String.join("\n----\n", found));
    }
  }

  /** Collects garbage and returns (and clears) every leak reported so far. */
  public static List<String> drain() {
    for (int round = 0; round < 3; round++) {
      System.gc();
      System.runFinalization();
      // Allocating tracked buffers makes each detector poll its reference queue and report.
      for (int i = 0; i < 64; i++) {
        UnpooledByteBufAllocator.DEFAULT.directBuffer(1).release();
        UnpooledByteBufAllocator.DEFAULT.heapBuffer(1).release();
        PooledByteBufAllocator.DEFAULT.directBuffer(1).release();
        PooledByteBufAllocator.DEFAULT.heapBuffer(1).release();
      }
    }
    List<String> copy = new ArrayList<>(LEAKS);
    LEAKS.removeAll(copy);
    return copy;
  }

  private static final class RecordingFactory extends ResourceLeakDetectorFactory {
    @Override
    @SuppressWarnings("deprecation")
    public <T> ResourceLeakDetector<T> newResourceLeakDetector(
        Class<T> resource, int samplingInterval, long maxActive) {
      return new RecordingDetector<>(resource, samplingInterval);
    }
  }

  private static final class RecordingDetector<T> extends ResourceLeakDetector<T> {
    RecordingDetector(Class<T> resource, int samplingInterval) {
      super(resource, samplingInterval);
    }

    @Override
    protected boolean needReport() {
      return true; // report even when no logging backend is bound
    }

    @Override
    protected void reportTracedLeak(String resourceType, String records) {
      LEAKS.add("LEAK: " + resourceType + records);
      super.reportTracedLeak(resourceType, records);
    }

    @Override
    protected void reportUntracedLeak(String resourceType) {
      LEAKS.add("LEAK: " + resourceType + " (untraced)");
      super.reportUntracedLeak(resourceType);
    }
  }
}
