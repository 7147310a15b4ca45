package io.sparkmonitor.listener;

import static io.sparkmonitor.listener.LocalSpark.DEADLINE_MS;
import static io.sparkmonitor.listener.LocalSpark.dir;
import static io.sparkmonitor.listener.LocalSpark.jsc;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The kernel hook's cell marks (CellMarks) give each jobStart the cell the kernel was running. */
@Order(5)
@ExtendWith(LocalSpark.class)
final class CellMarksTest {
  /**
   * A job started from another JVM thread (no cell local property) while a cell runs carries that
   * cell as its runningCell; after the cell's end mark, a job carries none. The marks never reach
   * the monitor as frames.
   */
  @Test
  @DisplayName("a job carries the cell the kernel was running (cell marks)")
  void jobStartCarriesTheRunningCell() throws Exception {
    try (FakeMonitor m = new FakeMonitor(dir.resolve("marks.sock"), "good")) {
      MonitorListener l = LocalSpark.attach(m.socket, "good");
      try {
        m.next("hello", DEADLINE_MS);
        CellMarks.started(jsc.sc(), "cell-a");
        AtomicLong result = new AtomicLong();
        Thread t = new Thread(() -> result.set(LocalSpark.runJob(2, null)));
        t.start();
        t.join(DEADLINE_MS);
        assertTrue(result.get() == 20, "the thread's job result");
        JsonNode during = m.next("jobStart", DEADLINE_MS);
        assertTrue(
            during.path("cellId").isNull() && during.path("runningCell").asText().equals("cell-a"),
            "a thread's job while cell-a runs: " + during);
        CellMarks.ended(jsc.sc(), "cell-a");
        assertTrue(LocalSpark.runJob(2, null) == 20, "the job after the cell");
        JsonNode after = m.next("jobStart", DEADLINE_MS);
        assertTrue(
            after.path("runningCell").isNull(), "a job between cells has no runningCell: " + after);
        CellMarks.started(jsc.sc(), "cell-b");
        CellMarks.ended(
            jsc.sc(), "cell-other"); // an end that is not the running cell's changes nothing
        assertTrue(LocalSpark.runJob(2, "cell-b") == 20, "cell-b's job");
        JsonNode own = m.next("jobStart", DEADLINE_MS);
        assertTrue(
            own.path("cellId").asText().equals("cell-b")
                && own.path("runningCell").asText().equals("cell-b"),
            "" + own);
        CellMarks.ended(jsc.sc(), "cell-b");
        for (JsonNode f : m.frames)
          assertTrue(!f.path("type").asText().contains("ell"), "no frame for a mark: " + f);
      } finally {
        jsc.setLocalProperty("sparkmonitor.cellId", null);
        jsc.sc().removeSparkListener(l);
      }
    }
  }
}
