package io.sparkmonitor.listener;

import static io.sparkmonitor.listener.LocalSpark.DEADLINE_MS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.StreamingQueryProgress;
import org.apache.spark.sql.streaming.Trigger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A Structured Streaming query (rate source → memory sink) as the listener reports it. */
@Order(7)
@ExtendWith(LocalSpark.class)
final class StreamingTest {

  private static StreamingQuery startRate(String name) throws Exception {
    SparkSession spark = SparkSession.builder().getOrCreate();
    return spark
        .readStream()
        .format("rate")
        .option("rowsPerSecond", "20")
        .option("numPartitions", "1")
        .load()
        .writeStream()
        .format("memory")
        .queryName(name)
        .trigger(Trigger.ProcessingTime(300))
        .start();
  }

  @Test
  @DisplayName(
      "a rate stream: start under its cell, progress as Spark's, batch jobs tagged, stopStream"
          + " stops it")
  void reportsAndStops() throws Exception {
    try (FakeMonitor m = new FakeMonitor(LocalSpark.dir.resolve("st.sock"), "good")) {
      MonitorListener l = LocalSpark.attach(m.socket, "good");
      m.next("hello", DEADLINE_MS);
      CellMarks.started(LocalSpark.jsc.sc(), "cell-stream");
      StreamingQuery q = startRate("rate_to_memory");
      CellMarks.ended(LocalSpark.jsc.sc(), "cell-stream");
      String id = q.id().toString();
      JsonNode start = m.next("streamStart", DEADLINE_MS);
      assertEquals(id, start.path("queryId").asText(), "queryId: " + start);
      assertEquals(q.runId().toString(), start.path("runId").asText());
      assertEquals("rate_to_memory", start.path("name").asText());
      assertEquals("cell-stream", start.path("cellId").asText(), "the starting cell: " + start);

      // Three batches with rows: each frame's progress is Spark's own for that batch.
      int withRows = 0;
      boolean jobTagged = false;
      long deadline = System.currentTimeMillis() + DEADLINE_MS;
      while (withRows < 3 && System.currentTimeMillis() < deadline) {
        JsonNode f = m.frames.poll(deadline - System.currentTimeMillis(), TimeUnit.MILLISECONDS);
        if (f == null) break;
        String type = f.path("type").asText();
        if (type.equals("jobStart")) {
          assertEquals(id, f.path("streamQueryId").asText(), "a micro-batch job: " + f);
          jobTagged = true;
        }
        if (!type.equals("streamProgress")) continue;
        JsonNode p = f.path("progress");
        assertEquals(id, f.path("queryId").asText());
        assertEquals(id, p.path("id").asText());
        StreamingQueryProgress own = progressOf(q, p.path("batchId").asLong());
        assertEquals(
            FakeMonitor.JSON.readTree(own.json()), p, "the frame carries Spark's progress JSON");
        assertTrue(p.path("durationMs").has("triggerExecution"), "durations: " + p);
        if (p.path("numInputRows").asLong() > 0) withRows++;
      }
      assertEquals(3, withRows, "three batches with rows within " + DEADLINE_MS + " ms");
      assertTrue(jobTagged, "the micro-batch jobs carry the query's id");

      m.send("{\"type\":\"stopStream\",\"queryId\":\"" + id + "\"}");
      assertTrue(q.awaitTermination(DEADLINE_MS), "stopStream stopped the query");
      assertFalse(q.isActive());
      JsonNode end = m.next("streamEnd", DEADLINE_MS);
      assertEquals(id, end.path("queryId").asText());
      assertTrue(end.path("error").isNull(), "stopped, not failed: " + end);
      LocalSpark.jsc.sc().removeSparkListener(l);
    }
  }

  @Test
  @DisplayName("killEnabled=false ignores stopStream")
  void killDisabledKeepsTheQuery() throws Exception {
    try (FakeMonitor m = new FakeMonitor(LocalSpark.dir.resolve("sn.sock"), "good")) {
      MonitorListener l = LocalSpark.attach(m.socket, "good", false);
      m.next("hello", DEADLINE_MS);
      StreamingQuery q = startRate("kept");
      try {
        String id = m.next("streamStart", DEADLINE_MS).path("queryId").asText();
        m.send("{\"type\":\"stopStream\",\"queryId\":\"" + id + "\"}");
        assertTrue(
            l.control().handled.tryAcquire(1, DEADLINE_MS, TimeUnit.MILLISECONDS), "handled");
        m.next("streamProgress", DEADLINE_MS); // a batch after the request: still running
        assertTrue(q.isActive(), "the query still runs");
      } finally {
        q.stop();
        LocalSpark.jsc.sc().removeSparkListener(l);
      }
    }
  }

  private static StreamingQueryProgress progressOf(StreamingQuery q, long batchId) {
    for (StreamingQueryProgress p : q.recentProgress()) if (p.batchId() == batchId) return p;
    throw new AssertionError("batch " + batchId + " is not in the query's recentProgress");
  }
}
