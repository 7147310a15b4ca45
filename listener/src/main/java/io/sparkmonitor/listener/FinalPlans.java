package io.sparkmonitor.listener;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs the last plan read of each SQL execution the monitor asked about (MonitorListener) on a
 * daemon thread of its own, a while after the execution ended: never on Spark's listener bus, and
 * late enough for Spark's SQL status listener (on another queue) to have the execution's end.
 * Bounded: at most {@link #MAX_PENDING} reads wait; more are dropped (the monitor can still ask).
 */
final class FinalPlans {
  static final int MAX_PENDING = 64;

  private final AtomicInteger pending = new AtomicInteger();
  private ScheduledExecutorService timer; // guarded by this; started on first use

  /** Runs {@code read} on the plan thread after {@code delayMs}; false when too many wait. */
  boolean schedule(Runnable read, long delayMs) {
    if (pending.incrementAndGet() > MAX_PENDING) {
      pending.decrementAndGet();
      return false;
    }
    timer()
        .schedule(
            () -> {
              try {
                read.run();
              } finally {
                pending.decrementAndGet();
              }
            },
            delayMs,
            TimeUnit.MILLISECONDS);
    return true;
  }

  private synchronized ScheduledExecutorService timer() {
    if (timer == null) {
      timer =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "SparkMonitor SQL plans");
                t.setDaemon(true);
                return t;
              });
    }
    return timer;
  }
}
