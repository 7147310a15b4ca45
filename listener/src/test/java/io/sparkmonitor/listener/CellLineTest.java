package io.sparkmonitor.listener;

import static io.sparkmonitor.listener.LocalSpark.DEADLINE_MS;
import static io.sparkmonitor.listener.LocalSpark.dir;
import static io.sparkmonitor.listener.LocalSpark.jsc;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The kernel hook's sparkmonitor.line property reaches every jobStart as cellLine. */
@Order(7)
@ExtendWith(LocalSpark.class)
final class CellLineTest {
  @Test
  @DisplayName("a job names the cell line of its thread's sparkmonitor.line; a bad value none")
  void jobStartCarriesTheLine() throws Exception {
    monitored(
        "line.sock",
        m -> {
          jsc.setLocalProperty(CellLine.PROPERTY, "3\trdd.count()");
          assertEquals(20, LocalSpark.runJob(2, null));
          JsonNode job = m.next("jobStart", DEADLINE_MS);
          assertEquals(3, job.path("cellLine").asInt(), "" + job);
          assertEquals("rdd.count()", job.path("cellLineText").asText(), "" + job);

          String longText = "x".repeat(5000);
          jsc.setLocalProperty(CellLine.PROPERTY, "12\t" + longText);
          LocalSpark.runJob(1, null);
          JsonNode cut = m.next("jobStart", DEADLINE_MS);
          assertEquals(12, cut.path("cellLine").asInt());
          assertEquals(Text.cut(longText, Text.SHORT), cut.path("cellLineText").asText());

          for (String bad :
              new String[] {"0\tx", "x\ty", "\tno line", "3 no tab", "1234567890\tx"}) {
            jsc.setLocalProperty(CellLine.PROPERTY, bad);
            LocalSpark.runJob(1, null);
            JsonNode none = m.next("jobStart", DEADLINE_MS);
            assertTrue(
                !none.has("cellLine") && !none.has("cellLineText"),
                bad + " names no line: " + none);
          }
        });
  }

  /**
   * A query with a broadcast join runs jobs on Spark's own threads (the broadcast, AQE's query
   * stages): each carries the line of the thread that ran the query, and so does the query's first
   * job, from which the monitor names the query.
   */
  @Test
  @DisplayName("every job of a SQL query with a broadcast join names the query's line")
  void sqlJobsCarryTheLine() throws Exception {
    monitored(
        "sqlline.sock",
        m -> {
          SparkSession spark = SparkSession.builder().getOrCreate();
          Dataset<Row> big =
              spark.range(0, 10_000, 1, 4).withColumn("k", functions.expr("id % 10"));
          Dataset<Row> small = spark.range(0, 10, 1, 1).selectExpr("id AS k2");
          jsc.setLocalProperty(CellLine.PROPERTY, "7\tbig.join(broadcast(small)).count()");
          long n =
              big.join(functions.broadcast(small), big.col("k").equalTo(small.col("k2"))).count();
          jsc.setLocalProperty(CellLine.PROPERTY, null);
          assertEquals(10_000, n);
          JsonNode sql = m.next("sqlStart", DEADLINE_MS);
          long id = sql.path("executionId").asLong();
          List<JsonNode> jobs = new ArrayList<>();
          for (JsonNode f = m.next("jobStart", DEADLINE_MS); ; f = nextJobOrEnd(m)) {
            if (f.path("type").asText().equals("sqlEnd")) {
              if (f.path("executionId").asLong() == id) break;
            } else jobs.add(f);
          }
          assertTrue(jobs.size() >= 2, "a broadcast job and the count: " + jobs);
          for (JsonNode j : jobs) {
            assertEquals(7, j.path("cellLine").asInt(), "" + j);
            assertEquals("big.join(broadcast(small)).count()", j.path("cellLineText").asText());
          }
        });
  }

  private interface Body {
    void run(FakeMonitor m) throws Exception;
  }

  /** Runs body with a listener attached to a fake monitor that got its hello; then detaches it. */
  private static void monitored(String socket, Body body) throws Exception {
    try (FakeMonitor m = new FakeMonitor(dir.resolve(socket), "good")) {
      MonitorListener l = LocalSpark.attach(m.socket, "good");
      try {
        m.next("hello", DEADLINE_MS);
        body.run(m);
      } finally {
        jsc.setLocalProperty(CellLine.PROPERTY, null);
        jsc.sc().removeSparkListener(l);
      }
    }
  }

  private static JsonNode nextJobOrEnd(FakeMonitor m) throws InterruptedException {
    while (true) {
      JsonNode f = m.frames.poll(DEADLINE_MS, java.util.concurrent.TimeUnit.MILLISECONDS);
      if (f == null)
        throw new AssertionError("no jobStart or sqlEnd within " + DEADLINE_MS + " ms");
      String type = f.path("type").asText();
      if (type.equals("jobStart") || type.equals("sqlEnd")) return f;
    }
  }
}
