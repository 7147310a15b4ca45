package io.sparkmonitor.listener;

import static io.sparkmonitor.listener.LocalSpark.DEADLINE_MS;
import static io.sparkmonitor.listener.LocalSpark.dir;
import static io.sparkmonitor.listener.LocalSpark.jsc;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;

/** The driver's log lines (LogCapture, Log4j2Tap) reach the monitor as log frames, by cell. */
@Order(7)
@ExtendWith(LocalSpark.class)
final class LogCaptureTest {
  /**
   * A WARN logged through log4j2 and through the log4j 1 API (Spark's bridge, as py4j code calls
   * it) while a cell runs carries that cell; one logged between cells carries none; the listener's
   * own logger is not captured; Python lines below the level are not sent.
   */
  @Test
  @DisplayName("log4j WARNs and Python records reach the monitor under the running cell")
  void linesCarryTheRunningCell() throws Exception {
    try (FakeMonitor m = new FakeMonitor(dir.resolve("logs.sock"), "good")) {
      MonitorListener l = LocalSpark.attach(m.socket, "good");
      try {
        m.next("hello", DEADLINE_MS);
        CellMarks.started(jsc.sc(), "cell-l");
        org.apache.logging.log4j.LogManager.getLogger("nb.log4j2").warn("careful {}", 42);
        LoggerFactory.getLogger("io.sparkmonitor.listener.Sender").warn("the listener's own");
        org.apache.log4j.LogManager.getLogger("nb.log4j1").warn("from log4j 1");
        LogCapture.python("cell-p", 1234L, "INFO", "py", "MainThread", "below the level");
        LogCapture.python("cell-p", 1235L, "WARNING", "py", "MainThread", "a python warning");
        CellMarks.ended(jsc.sc(), "cell-l");
        org.apache.logging.log4j.LogManager.getLogger("nb.log4j2").error("between cells");

        JsonNode first = m.next("log", DEADLINE_MS);
        assertEquals("careful 42", first.path("message").asText(), "" + first);
        assertEquals("WARN", first.path("level").asText());
        assertEquals("nb.log4j2", first.path("logger").asText());
        assertEquals("cell-l", first.path("cellId").asText());
        assertEquals("jvm", first.path("source").asText());
        assertEquals(Thread.currentThread().getName(), first.path("thread").asText());
        assertEquals(0, first.path("seq").asLong());
        JsonNode second = m.next("log", DEADLINE_MS);
        assertEquals("from log4j 1", second.path("message").asText(), "not the listener's own");
        assertEquals("cell-l", second.path("cellId").asText());
        JsonNode py = m.next("log", DEADLINE_MS);
        assertEquals("a python warning", py.path("message").asText(), "not the INFO record");
        assertEquals("WARN", py.path("level").asText());
        assertEquals("cell-p", py.path("cellId").asText());
        assertEquals("python", py.path("source").asText());
        assertEquals(1235L, py.path("time").asLong());
        JsonNode after = m.next("log", DEADLINE_MS);
        assertEquals("between cells", after.path("message").asText());
        assertTrue(after.path("cellId").isNull(), "" + after);
      } finally {
        LogCapture.uninstall();
        jsc.sc().removeSparkListener(l);
      }
    }
  }

  /** A full queue drops lines and counts them; the logging thread never waits. */
  @Test
  @DisplayName("a full log queue drops and counts, never blocks")
  void fullQueueDropsAndCounts() {
    List<String> sent = new ArrayList<>();
    LogCapture c =
        new LogCapture(sent::add, LogCapture.severity("WARN")); // not started: nothing drains
    for (int i = 0; i < LogCapture.QUEUE_SIZE + 500; i++) c.jvm(i, "WARN", "x", "t", "line " + i);
    assertEquals(500, c.dropped());
  }

  /** spark.sparkmonitor.logLevel=ERROR sends ERRORs, not WARNs; a long message is cut. */
  @Test
  @DisplayName("the level threshold and the message bound")
  void thresholdAndBound() throws Exception {
    java.util.concurrent.LinkedBlockingQueue<String> sent =
        new java.util.concurrent.LinkedBlockingQueue<>();
    LogCapture.install(new SparkConf().set(LogCapture.LEVEL_KEY, "error"), sent::add);
    try {
      StringBuilder big = new StringBuilder();
      for (int i = 0; i < 10_000; i++) big.append('x');
      org.apache.logging.log4j.LogManager.getLogger("nb.t").warn("a warning");
      org.apache.logging.log4j.LogManager.getLogger("nb.t").error(big.toString());
      String json = sent.poll(DEADLINE_MS, java.util.concurrent.TimeUnit.MILLISECONDS);
      JsonNode f = FakeMonitor.JSON.readTree(json);
      assertEquals("ERROR", f.path("level").asText(), "the WARN is below the threshold: " + json);
      String msg = f.path("message").asText();
      assertTrue(msg.length() <= LogCapture.MESSAGE_BYTES && msg.endsWith(Text.ELLIPSIS), msg);
    } finally {
      LogCapture.uninstall();
    }
  }
}
