package io.sparkmonitor.listener;

import java.util.Locale;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.SparkConf;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the driver's log lines to the monitor as {@code log} frames (spark/event/PROTOCOL.md
 * "Driver log lines"): log4j2 events of the JVM (through {@code Log4j2Tap}, loaded by reflection so
 * that this jar still loads on a driver without log4j2) and the Python {@code logging} records the
 * kernel hook forwards ({@link #python}).
 *
 * <p>The logging thread only checks the level, cuts the message and offers the line to a bounded
 * queue ({@link #QUEUE_SIZE}); a full queue drops it and counts it (sent as {@code dropped}). The
 * daemon thread {@code sparkmonitor-logs} renders the frames and offers them to the sender, whose
 * own queue never blocks either. Lines of the listener's own loggers ({@code io.sparkmonitor.*})
 * and threads ({@code sparkmonitor-*}) are not captured: a failing send cannot feed itself.
 *
 * <p>A line's cell is the one the kernel was running when it was logged: {@link #cellStarted} and
 * {@link #cellEnded}, called by {@link CellMarks} in the kernel's own synchronous py4j call before
 * and after the cell's code (the bus's mark may come later). Log4j2's root logger is one per JVM,
 * and so is the capture: installing one stops the previous one (a new SparkContext in the JVM).
 *
 * <p>Spark configuration: {@code spark.sparkmonitor.logLevel} (default {@code WARN}): the least
 * severe level sent ({@code TRACE}, {@code DEBUG}, {@code INFO}, {@code WARN}, {@code ERROR},
 * {@code FATAL}), or {@code OFF} to send none.
 */
public final class LogCapture {
  private static final Logger LOG = LoggerFactory.getLogger(LogCapture.class);
  static final String LEVEL_KEY = "spark.sparkmonitor.logLevel";
  static final String DEFAULT_LEVEL = "WARN";

  /** Lines waiting to be sent; beyond it lines are dropped and counted. */
  static final int QUEUE_SIZE = 1000;

  /** Bytes of a line's message (with its exception's class and message), as the monitor keeps. */
  static final int MESSAGE_BYTES = 4 << 10;

  static final String[] LEVELS = {"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL", "OFF"};

  /** Where rendered frames go: the sender's queue ({@code Sender.offer}); never blocks. */
  interface Sink {
    void offer(String json);
  }

  /** The installed log4j2 appender, removed by {@link #stop}. */
  interface Tap {
    void remove();
  }

  private static final Object INSTALL = new Object();
  private static LogCapture installed; // guarded by INSTALL
  private static volatile LogCapture current;
  private static volatile String runningCell;

  static final class Line {
    final long time;
    final String level, logger, thread, message, source, cell;

    Line(
        long time,
        String level,
        String logger,
        String thread,
        String message,
        String source,
        String cell) {
      this.time = time;
      this.level = LEVELS[severity(level)];
      this.logger = Text.cut(logger, Text.SHORT);
      this.thread = Text.cut(thread, Text.SHORT);
      this.message = Text.cut(message, MESSAGE_BYTES);
      this.source = source;
      this.cell = cell == null || cell.isEmpty() ? null : Text.cut(cell, Text.SHORT);
    }
  }

  private final ArrayBlockingQueue<Line> queue = new ArrayBlockingQueue<>(QUEUE_SIZE);
  private final AtomicLong dropped = new AtomicLong();
  private final Sink sink;
  final int threshold; // index in LEVELS
  private final Thread thread;
  private volatile boolean stopped;
  private volatile Tap tap;

  LogCapture(Sink sink, int threshold) {
    this.sink = sink;
    this.threshold = threshold;
    this.thread = new Thread(this::drain, "sparkmonitor-logs");
    this.thread.setDaemon(true);
  }

  /**
   * Starts capturing at the conf's {@link #LEVEL_KEY} into {@code sink}, in place of the capture
   * installed before; returns null when the level is OFF. Never throws.
   */
  static LogCapture install(SparkConf conf, Sink sink) {
    int threshold = threshold(conf.get(LEVEL_KEY, DEFAULT_LEVEL));
    LogCapture c = threshold >= LEVELS.length - 1 ? null : new LogCapture(sink, threshold);
    synchronized (INSTALL) {
      if (installed != null) installed.stop();
      installed = c;
      current = c;
    }
    if (c == null) return null;
    c.thread.start();
    try {
      Class<?> k = Class.forName("io.sparkmonitor.listener.Log4j2Tap");
      c.tap = (Tap) k.getDeclaredMethod("attach", LogCapture.class).invoke(null, c);
    } catch (Throwable t) {
      LOG.info(
          "SparkMonitor: the driver JVM's log lines are not sent (no log4j2 here: {}); Python's"
              + " are",
          t.toString());
    }
    return c;
  }

  /** Stops the installed capture (the driver plugin's shutdown). */
  static void uninstall() {
    synchronized (INSTALL) {
      if (installed != null) installed.stop();
      installed = null;
      current = null;
    }
  }

  void stop() {
    stopped = true;
    Tap t = tap;
    if (t != null) {
      try {
        t.remove();
      } catch (Throwable ignored) {
        // log4j2 is shutting down: nothing left to detach from
      }
    }
    thread.interrupt();
  }

  /** The kernel starts running the cell (null: a cell without an id). */
  static void cellStarted(String cellId) {
    runningCell = cellId == null || cellId.isEmpty() ? null : cellId;
  }

  /** The kernel is done with the cell. */
  static void cellEnded(String cellId) {
    String now = runningCell;
    if (now == null || now.equals(cellId)) runningCell = null;
  }

  /**
   * A Python {@code logging} record of the kernel, forwarded by the kernel hook through py4j: sent
   * as a line of {@code cellId} (the cell running when Python logged it) when {@code level} is at
   * the threshold or above. Never blocks, never throws.
   */
  public static void python(
      String cellId, long time, String level, String logger, String thread, String message) {
    try {
      LogCapture c = current;
      if (c == null || severity(level) < c.threshold) return;
      c.offer(new Line(time, level, logger, thread, message, "python", cellId));
    } catch (Throwable ignored) {
      // never into the kernel's call
    }
  }

  /** A JVM log event at the threshold or above (the appender checked it); never blocks. */
  void jvm(long time, String level, String logger, String thread, String message) {
    if (stopped) return;
    if (logger != null && logger.startsWith("io.sparkmonitor.")) return;
    if (Thread.currentThread().getName().startsWith("sparkmonitor-")) return;
    offer(new Line(time, level, logger, thread, message, "jvm", runningCell));
  }

  private void offer(Line l) {
    if (!queue.offer(l)) dropped.incrementAndGet();
  }

  long dropped() {
    return dropped.get();
  }

  private void drain() {
    while (!stopped) {
      try {
        Line l = queue.poll(1, TimeUnit.SECONDS);
        if (l != null) sink.offer(render(l, dropped.get()));
      } catch (InterruptedException e) {
        return;
      } catch (Throwable t) {
        // a line that cannot be rendered is skipped
      }
    }
  }

  static String render(Line l, long dropped) {
    Json j =
        new Json()
            .put("type", "log")
            .put("seq", 0)
            .put("time", l.time)
            .put("level", l.level)
            .put("logger", l.logger == null ? "" : l.logger)
            .put("thread", l.thread == null ? "" : l.thread)
            .put("message", l.message == null ? "" : l.message)
            .put("source", l.source)
            .put("cellId", l.cell);
    return j.put("dropped", dropped).end();
  }

  /**
   * The index in {@link #LEVELS} of a level name (Python's WARNING and CRITICAL too); INFO if
   * unknown.
   */
  static int severity(String level) {
    String l = level == null ? "" : level.trim().toUpperCase(Locale.ROOT);
    if (l.equals("WARNING")) return 3;
    if (l.equals("CRITICAL")) return 5;
    for (int i = 0; i < LEVELS.length; i++) if (LEVELS[i].equals(l)) return i;
    return 2;
  }

  private static int threshold(String v) {
    String l = v.trim().toUpperCase(Locale.ROOT);
    for (int i = 0; i < LEVELS.length; i++) if (LEVELS[i].equals(l)) return i;
    LOG.warn(
        "SparkMonitor: {}={} is none of TRACE, DEBUG, INFO, WARN, ERROR, FATAL, OFF; using {}",
        LEVEL_KEY,
        v,
        DEFAULT_LEVEL);
    return severity(DEFAULT_LEVEL);
  }
}
