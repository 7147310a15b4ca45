package io.sparkmonitor.listener;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import org.apache.spark.SparkContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries out the monitor's control frames (spark/event/PROTOCOL.md "Control frames") on the
 * connection's reader thread: {@code cancelJob}, {@code cancelStage} and {@code cancelCell} through
 * {@link SparkContext}'s {@code cancelJob(int, String)} and {@code cancelStage(int, String)} (both
 * in Spark 3.5 and 4.x), which only post to the DAG scheduler's event loop. Ignored when {@code
 * spark.ui.killEnabled} is false. A malformed frame is logged once and skipped; nothing here
 * throws.
 */
final class Control {
  private static final Logger LOG = LoggerFactory.getLogger(Control.class);

  /**
   * At most this many live jobs are remembered for cancelCell; beyond it new jobs are not (and are
   * counted).
   */
  static final int MAX_LIVE_JOBS = 10_000;

  /** What cancelling does; SparkContext in production, a recorder in tests. */
  interface Canceller {
    void cancelJob(int jobId, String reason);

    void cancelStage(int stageId, String reason);
  }

  private final Canceller spark;
  private final boolean killEnabled;
  private final Map<Integer, String> liveCells =
      new ConcurrentHashMap<>(); // live job id -> cell id

  /**
   * Released once per control frame handled (carried out, ignored or refused): tests wait on it.
   */
  final Semaphore handled = new Semaphore(0);

  private volatile boolean warnedMalformed, warnedDisabled, warnedFull, warnedFailed;
  // Where a sqlPlan request goes (MonitorListener.planRequested); none: ignored.
  private volatile java.util.function.LongConsumer planRequests;

  /** Hands each {@code sqlPlan} request's execution id to {@code c} (the reader thread). */
  void onPlanRequest(java.util.function.LongConsumer c) {
    planRequests = c;
  }

  Control(Canceller spark, boolean killEnabled) {
    this.spark = spark;
    this.killEnabled = killEnabled;
  }

  static Control of(SparkContext sc, boolean killEnabled) {
    return new Control(
        new Canceller() {
          public void cancelJob(int jobId, String reason) {
            sc.cancelJob(jobId, reason);
          }

          public void cancelStage(int stageId, String reason) {
            sc.cancelStage(stageId, reason);
          }
        },
        killEnabled);
  }

  /** A job started (listener bus thread); remembers its cell while it runs. */
  void jobStarted(int jobId, String cellId) {
    if (cellId == null) return;
    if (liveCells.size() >= MAX_LIVE_JOBS) {
      if (!warnedFull) {
        warnedFull = true;
        LOG.warn(
            "SparkMonitor: more than {} live jobs; cancelling a cell may miss some of them",
            MAX_LIVE_JOBS);
      }
      return;
    }
    liveCells.put(jobId, cellId);
  }

  /** A job ended (listener bus thread). */
  void jobEnded(int jobId) {
    liveCells.remove(jobId);
  }

  /** Handles one control frame (the connection's reader thread). Never throws. */
  void handle(String line) {
    try {
      Object parsed = MiniJson.parse(line);
      if (!(parsed instanceof Map)) throw new IllegalArgumentException("not a JSON object");
      Map<?, ?> f = (Map<?, ?>) parsed;
      Object type = f.get("type");
      if ("sqlPlan".equals(type)) { // a read, not a cancel: spark.ui.killEnabled does not apply
        java.util.function.LongConsumer c = planRequests;
        Object id = f.get("executionId");
        if (!(id instanceof Long) || (Long) id < 0) {
          throw new IllegalArgumentException(
              "executionId must be a non-negative integer, got " + id);
        }
        if (c != null) c.accept((Long) id);
        return;
      }
      if (!"cancelJob".equals(type) && !"cancelStage".equals(type) && !"cancelCell".equals(type))
        return; // unknown
      if (!killEnabled) {
        if (!warnedDisabled) {
          warnedDisabled = true;
          LOG.info("SparkMonitor: ignoring cancel requests: spark.ui.killEnabled is false");
        }
        return;
      }
      String reason =
          f.get("reason") instanceof String ? (String) f.get("reason") : "via SparkMonitor";
      if ("cancelJob".equals(type)) {
        spark.cancelJob(intField(f, "jobId"), reason);
      } else if ("cancelStage".equals(type)) {
        spark.cancelStage(intField(f, "stageId"), reason);
      } else {
        Object cell = f.get("cellId");
        if (!(cell instanceof String))
          throw new IllegalArgumentException("cancelCell without a cellId");
        for (Map.Entry<Integer, String> e : liveCells.entrySet()) {
          if (cell.equals(e.getValue())) spark.cancelJob(e.getKey(), reason);
        }
      }
    } catch (IllegalArgumentException e) {
      if (!warnedMalformed) {
        warnedMalformed = true;
        LOG.warn(
            "SparkMonitor: ignoring a malformed control frame from the monitor (reported once): {}",
            e.getMessage());
      }
    } catch (Throwable t) {
      if (!warnedFailed) {
        warnedFailed = true;
        LOG.warn("SparkMonitor: a cancel request failed (reported once): {}", t.toString());
      }
    } finally {
      handled.release();
    }
  }

  private static int intField(Map<?, ?> f, String name) {
    Object v = f.get(name);
    if (!(v instanceof Long) || (Long) v < 0 || (Long) v > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(name + " must be a non-negative integer, got " + v);
    }
    return ((Long) v).intValue();
  }
}
