package io.sparkmonitor.listener;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs the plan reads MonitorListener schedules, on a daemon thread of its own (never Spark's
 * listener bus): the last plan of each SQL execution the monitor asked about, a while after it
 * ended (late enough for Spark's SQL status listener, on another queue, to have the end), and the
 * retries of a request that came before that listener knew the execution. Bounded: at most {@link
 * #MAX_PENDING} reads wait; more are dropped (the monitor asks again while the plan is viewed).
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
