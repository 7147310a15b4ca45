package io.sparkmonitor.listener;

import org.apache.spark.SparkContext;
import org.apache.spark.scheduler.SparkListenerEvent;

/**
 * Which notebook cell the kernel is running, told by the kernel hook
 * (jupyter_config/sparkmonitor_go/kernel.py) through py4j before and after each cell: {@code
 * CellMarks.started(sc, cellId)}, {@code CellMarks.ended(sc, cellId)}.
 *
 * <p>A mark is posted to Spark's listener bus, which delivers it to {@link MonitorListener} in the
 * order of the bus: after the {@code jobStart} of every job Spark started before the mark, before
 * those it started after. So the listener knows, for each job, which cell the kernel was running
 * when Spark started it (the jobStart frame's {@code runningCell}), whatever thread submitted the
 * job; the monitor decides from it which cell the job is under (spark/state/cell.go). A mark never
 * goes to Spark's event log ({@link Mark#logEvent} is false), posting never blocks (Spark drops
 * events when the bus is full), and nothing here throws into the kernel's call.
 */
public final class CellMarks {
  private CellMarks() {}

  /** The kernel starts running the cell {@code cellId} (null or empty: a cell without an id). */
  public static void started(SparkContext sc, String cellId) {
    LogCapture.cellStarted(cellId);
    post(sc, new Mark(cellId, true));
  }

  /** The kernel is done with the cell {@code cellId}. */
  public static void ended(SparkContext sc, String cellId) {
    LogCapture.cellEnded(cellId);
    post(sc, new Mark(cellId, false));
  }

  private static void post(SparkContext sc, Mark m) {
    try {
      if (sc != null && !sc.isStopped()) sc.listenerBus().post(m);
    } catch (Throwable ignored) {
      // a stopping SparkContext: the mark has nobody to tell
    }
  }

  /**
   * One mark on the listener bus. Its getters make it serialisable by Jackson, as other listeners
   * may try.
   */
  public static final class Mark implements SparkListenerEvent {
    private final String cellId;
    private final boolean start;

    Mark(String cellId, boolean start) {
      this.cellId = cellId == null || cellId.isEmpty() ? null : cellId;
      this.start = start;
    }

    public String getCellId() {
      return cellId;
    }

    public boolean isStart() {
      return start;
    }

    @Override
    public boolean logEvent() {
      return false;
    }
  }
}
