package io.sparkmonitor.listener;

import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.scheduler.SparkListenerEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Structured Streaming queries (spark/event/PROTOCOL.md "Structured Streaming"): frames from
 * Spark's {@code StreamingQueryListener} events, and stopping a query for the monitor.
 *
 * <p>The events: Spark's StreamingQueryListenerBus posts every {@code QueryStartedEvent}, {@code
 * QueryProgressEvent} and {@code QueryTerminatedEvent} of every session to the SparkContext's
 * listener bus as well (they are {@code SparkListenerEvent}s; Spark's own streaming UI reads them
 * there), so they reach {@link MonitorListener#onOtherEvent} without {@code spark.streams
 * .addListener}: no SparkSession is needed, and a query of any session, started before or after the
 * listener, is seen. They are spark-sql classes: recognised by class name and read by reflection,
 * so the jar loads without spark-sql. A query's start is posted by its own thread before {@code
 * start()} returns to the cell, so the cell the kernel runs then (CellMarks) is the query's cell.
 *
 * <p>{@code progress.json()} is Spark's own serialisation of a micro-batch's progress; a progress
 * over {@link #MAX_PROGRESS_BYTES} (a source of thousands of partitions lists every offset) is
 * replaced by its scalar figures in the same shape, with {@code "truncated": true}.
 */
final class StreamingQueries {
  private static final Logger LOG = LoggerFactory.getLogger(StreamingQueries.class);
  static final String EVENTS = "org.apache.spark.sql.streaming.StreamingQueryListener$";
  static final String STARTED = EVENTS + "QueryStartedEvent";
  static final String PROGRESS = EVENTS + "QueryProgressEvent";
  static final String TERMINATED = EVENTS + "QueryTerminatedEvent";

  /** Bound of one progress object in a frame (the monitor refuses frames over 1 MiB). */
  static final int MAX_PROGRESS_BYTES = 64 * 1024;

  /** Stop requests waiting for the stopper thread; beyond it a request is dropped and logged. */
  static final int MAX_PENDING_STOPS = 16;

  private StreamingQueries() {}

  /**
   * The frame of a streaming query event, or null when {@code e} is none. {@code runningCell}: the
   * cell the kernel runs now (CellMarks), or null.
   */
  static SqlExecutions.Frame frame(SparkListenerEvent e, String runningCell, long now)
      throws ReflectiveOperationException {
    String cls = e.getClass().getName();
    if (!cls.startsWith(EVENTS)) return null;
    switch (cls) {
      case STARTED:
        return new SqlExecutions.Frame(
            "streamStart",
            now,
            ids(e)
                .put("name", Text.cut(str(SqlExecutions.get(e, "name")), Text.SHORT))
                .put("cellId", Text.cut(runningCell, Text.SHORT))
                .end());
      case PROGRESS:
        Object p = SqlExecutions.get(e, "progress");
        if (p == null) return null;
        return new SqlExecutions.Frame(
            "streamProgress", now, ids(p).putRaw("progress", progress(p)).end());
      case TERMINATED:
        return new SqlExecutions.Frame(
            "streamEnd",
            now,
            ids(e)
                .put(
                    "error",
                    Text.cut(
                        str(SqlExecutions.option(SqlExecutions.get(e, "exception"))), Text.REASON))
                .end());
      default:
        return null; // QueryIdleEvent (3.5+) and later kinds
    }
  }

  private static Json ids(Object o) throws ReflectiveOperationException {
    return new Json()
        .put("queryId", Text.cut(str(SqlExecutions.get(o, "id")), Text.SHORT))
        .put("runId", Text.cut(str(SqlExecutions.get(o, "runId")), Text.SHORT));
  }

  private static String str(Object o) {
    return o == null ? null : o.toString();
  }

  /** Spark's JSON of a progress, or its scalar figures when that is over the bound. */
  static String progress(Object p) throws ReflectiveOperationException {
    String json = str(SqlExecutions.get(p, "json"));
    if (json != null && json.length() <= MAX_PROGRESS_BYTES / 4) return json; // ≤ 4 bytes a char
    if (json != null
        && json.getBytes(java.nio.charset.StandardCharsets.UTF_8).length <= MAX_PROGRESS_BYTES)
      return json;
    Json j =
        new Json()
            .put("id", str(SqlExecutions.get(p, "id")))
            .put("runId", str(SqlExecutions.get(p, "runId")))
            .put("name", Text.cut(str(SqlExecutions.get(p, "name")), Text.SHORT))
            .put("timestamp", str(SqlExecutions.get(p, "timestamp")))
            .put("batchId", number(SqlExecutions.get(p, "batchId")))
            .put("numInputRows", number(SqlExecutions.get(p, "numInputRows")));
    putRate(j, "inputRowsPerSecond", SqlExecutions.get(p, "inputRowsPerSecond"));
    putRate(j, "processedRowsPerSecond", SqlExecutions.get(p, "processedRowsPerSecond"));
    Object durations = SqlExecutions.get(p, "durationMs");
    if (durations instanceof Map) {
      Json d = new Json();
      for (Map.Entry<?, ?> e : ((Map<?, ?>) durations).entrySet())
        d.put(Text.cut(String.valueOf(e.getKey()), Text.SHORT), number(e.getValue()));
      j.putRaw("durationMs", d.end());
    }
    return j.put("truncated", true).end();
  }

  private static long number(Object o) {
    return o instanceof Number ? ((Number) o).longValue() : 0;
  }

  /** Rates as Spark writes them: NaN and infinities left out. */
  private static void putRate(Json j, String key, Object v) {
    if (!(v instanceof Double)) return;
    double d = (Double) v;
    if (Double.isNaN(d) || Double.isInfinite(d)) return;
    j.putRaw(key, Double.toString(d));
  }

  /**
   * Calls a public method of {@code o} with no argument or one String; the class may be a
   * non-public implementation (Spark 4's classic session), so the method is made accessible.
   */
  private static Object call(Object o, String name, String arg)
      throws ReflectiveOperationException {
    java.lang.reflect.Method m =
        arg == null ? o.getClass().getMethod(name) : o.getClass().getMethod(name, String.class);
    m.setAccessible(true);
    return arg == null ? m.invoke(o) : m.invoke(o, arg);
  }

  /**
   * Stops streaming queries on a thread of its own: {@code StreamingQuery.stop()} waits for the
   * query's thread to end (a batch in flight first), so the connection's reader never waits on it.
   */
  static final class Stopper {
    private final ClassLoader loader;
    private final ThreadPoolExecutor pool;
    private final AtomicLong dropped = new AtomicLong();

    Stopper(ClassLoader loader) {
      this.loader = loader;
      this.pool =
          new ThreadPoolExecutor(
              0,
              1,
              30,
              TimeUnit.SECONDS,
              new ArrayBlockingQueue<>(MAX_PENDING_STOPS),
              r -> {
                Thread t = new Thread(r, "sparkmonitor-stream-stop");
                t.setDaemon(true);
                return t;
              });
    }

    /** Asks for the query {@code queryId} to be stopped; returns at once. */
    void stop(String queryId) {
      try {
        pool.execute(() -> stopNow(queryId));
      } catch (RejectedExecutionException full) {
        if (dropped.getAndIncrement() == 0)
          LOG.warn(
              "SparkMonitor: more than {} stream stop requests pending; dropping some",
              MAX_PENDING_STOPS);
      }
    }

    /**
     * Stops the query through the default session's StreamingQueryManager ({@code
     * spark.streams.get(id).stop()}); a query of another session, or one already stopped, is left
     * alone.
     */
    private void stopNow(String queryId) {
      try {
        Class<?> sessions = Class.forName("org.apache.spark.sql.SparkSession", false, loader);
        for (String which : new String[] {"getActiveSession", "getDefaultSession"}) {
          Object session = SqlExecutions.option(sessions.getMethod(which).invoke(null));
          if (session == null) continue;
          Object streams = SqlExecutions.get(session, "streams");
          if (streams == null) continue;
          Object query = call(streams, "get", queryId);
          if (query != null) {
            call(query, "stop", null);
            LOG.info("SparkMonitor: stopped streaming query {} as the monitor asked", queryId);
            return;
          }
        }
        LOG.info("SparkMonitor: no active streaming query {} to stop", queryId);
      } catch (Throwable t) {
        LOG.warn("SparkMonitor: stopping streaming query {} failed: {}", queryId, t.toString());
      }
    }
  }
}
