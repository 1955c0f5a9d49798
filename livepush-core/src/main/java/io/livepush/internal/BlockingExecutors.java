package io.livepush.internal;

import java.lang.reflect.Method;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The default executor for callbacks that may block: virtual threads on Java 21+ (found reflectively: livepush
 * compiles for 17), else a bounded pool of plain (not Netty) threads. Its threads are never event loops, so
 * {@code LivePushServer.publish} may wait for a cluster bus there.
 */
public final class BlockingExecutors {
  /** Threads of the Java 17 pool. */
  public static final int POOL_THREADS = 64;
  /** Tasks that may wait for a thread of the Java 17 pool; one more is rejected. */
  public static final int POOL_QUEUE = 10_000;

  private BlockingExecutors() {}

  /** A new default executor, owned (and shut down) by the server that asks for it. */
  public static ExecutorService create() {
    ExecutorService virtual = virtualThreads();
    return virtual != null ? virtual : boundedPool();
  }

  /** {@code Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("livepush-blocking-", 0).factory())}. */
  static ExecutorService virtualThreads() {
    try {
      Object builder = Thread.class.getMethod("ofVirtual").invoke(null);
      Class<?> ofVirtual = Class.forName("java.lang.Thread$Builder$OfVirtual");
      builder = ofVirtual.getMethod("name", String.class, long.class).invoke(builder, "livepush-blocking-", 0L);
      ThreadFactory factory = (ThreadFactory) Class.forName("java.lang.Thread$Builder").getMethod("factory")
          .invoke(builder);
      Method m = java.util.concurrent.Executors.class.getMethod("newThreadPerTaskExecutor", ThreadFactory.class);
      return (ExecutorService) m.invoke(null, factory);
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null; // Java 17-20
    }
  }

  /**
   * {@value #POOL_THREADS} daemon threads (idle ones end after 60 s) and a queue of {@value #POOL_QUEUE} tasks;
   * a full pool rejects with {@link java.util.concurrent.RejectedExecutionException}, which livepush answers
   * with 503 + {@code Retry-After} (HTTP) or close 1013 (WebSocket).
   */
  static ExecutorService boundedPool() {
    AtomicInteger n = new AtomicInteger();
    ThreadPoolExecutor pool = new ThreadPoolExecutor(POOL_THREADS, POOL_THREADS, 60, TimeUnit.SECONDS,
        new ArrayBlockingQueue<>(POOL_QUEUE), r -> {
          Thread t = new Thread(r, "livepush-blocking-" + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        }, new ThreadPoolExecutor.AbortPolicy());
    pool.allowCoreThreadTimeOut(true);
    return pool;
  }
}
