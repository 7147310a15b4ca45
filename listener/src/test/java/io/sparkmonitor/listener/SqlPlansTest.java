package io.sparkmonitor.listener;

import static io.sparkmonitor.listener.LocalSpark.DEADLINE_MS;
import static io.sparkmonitor.listener.LocalSpark.jsc;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A SQL query's plan with its live metrics, read from the driver's SQL status store (SqlPlans). */
@Order(6)
@ExtendWith(LocalSpark.class)
final class SqlPlansTest {
  /**
   * Holds the task of partition 0 of the query's first stage until the test has seen live values.
   */
  static final CountDownLatch GATE = new CountDownLatch(1);

  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  @DisplayName(
      "a running query's plan has live metrics that never decrease, and its end the final ones")
  void livePlan() throws Exception {
    SparkSession spark = SparkSession.builder().getOrCreate();
    SqlPlans plans = new SqlPlans(SqlPlans.class.getClassLoader());
    assertNull(plans.snapshot(1_000_000), "an execution the store does not know: null, no throw");
    registerGate(spark, "gate");
    // 1 000 000 rows in 4 partitions, joined on id % 1000 with 1 000 named rows, grouped by name.
    Dataset<Row> big =
        spark
            .range(0, 1_000_000, 1, 4)
            .selectExpr("gate(id) AS id")
            .withColumn("k", functions.expr("id % 1000"));
    Dataset<Row> small =
        spark.range(0, 1000, 1, 2).selectExpr("id AS k2", "concat('n', id) AS name");
    Dataset<Row> q = big.join(small, big.col("k").equalTo(small.col("k2"))).groupBy("name").count();
    // Execution ids count up from 0 in this JVM (the store keeps the earlier tests' ones): the
    // query's is the first one the store does not know yet.
    long id = 0;
    while (plans.snapshot(id) != null) id++;
    Thread query = new Thread(() -> assertTrue(q.collectAsList().size() == 1000, "1000 groups"));
    query.start();

    // While partition 0 waits, the three other tasks of the first stage end: their rows are
    // counted.
    Map<Long, Long> seen = new HashMap<>();
    long deadline = System.currentTimeMillis() + DEADLINE_MS;
    JsonNode live = null;
    while (live == null && query.isAlive() && System.currentTimeMillis() < deadline) {
      JsonNode snap = parse(plans.snapshot(id));
      if (snap != null && monotonic(snap, seen) > 0) live = snap;
      else query.join(20);
    }
    assertTrue(live != null, "live metrics while the query runs, within " + DEADLINE_MS + " ms");
    assertTrue(live.path("executionId").asLong() == id, "the snapshot names its execution: " + id);
    long rangeRows = rows(live, "Range");
    assertTrue(
        rangeRows > 0 && rangeRows < 1_000_000,
        "a part of the big side counted while partition 0 waits: " + rangeRows);
    GATE.countDown();
    while (query.isAlive() && System.currentTimeMillis() < deadline) {
      JsonNode snap = parse(plans.snapshot(id));
      if (snap != null) monotonic(snap, seen);
      query.join(20);
    }
    assertTrue(!query.isAlive(), "the query ended");
    JsonNode end = parse(plans.snapshot(id));
    monotonic(end, seen);
    assertTrue(
        rows(end, "Range") == 1_001_000, "both ranges' rows at the end: " + rows(end, "Range"));
    assertTrue(rows(end, "HashAggregate") > 1000, "partial and final aggregates counted");
    assertTrue(
        end.path("nodes").size() > 5 && end.path("edges").size() > 4,
        "operators and edges: " + end);
    assertTrue(!end.path("truncated").asBoolean(), "a small plan is not cut");
  }

  @Test
  @DisplayName("the monitor's sqlPlan request gets a sqlPlan frame, even with killEnabled=false")
  void planOnRequest() throws Exception {
    try (FakeMonitor m = new FakeMonitor(LocalSpark.dir.resolve("plan.sock"), "good")) {
      MonitorListener l = LocalSpark.attach(m.socket, "good", false);
      m.next("hello", DEADLINE_MS);
      SparkSession spark = SparkSession.builder().getOrCreate();
      assertTrue(
          spark
                  .sql("SELECT id % 7 AS k, count(*) FROM range(0, 10000, 1, 2) GROUP BY k")
                  .collectAsList()
                  .size()
              == 7,
          "the query's result");
      long id = m.next("sqlStart", DEADLINE_MS).path("executionId").asLong(-1);
      m.send("{\"type\":\"sqlPlan\",\"executionId\":-1}"); // malformed: logged once, ignored
      m.send("{\"type\":\"sqlPlan\",\"executionId\":" + id + "}");
      JsonNode plan = m.next("sqlPlan", DEADLINE_MS);
      assertTrue(
          plan.path("executionId").asLong(-2) == id, "the plan of the asked execution: " + plan);
      assertTrue(plan.path("seq").asLong() > 0 && plan.path("time").asLong() > 0, "seq and time");
      assertTrue(rows(plan, "Range") == 10_000, "the range's rows: " + plan);
      assertTrue(!plan.path("truncated").asBoolean(true), "not cut");
      jsc.sc().removeSparkListener(l);
    }
  }

  /** Holds finalPlan's query until the test has its first plan. */
  static final CountDownLatch FINAL_GATE = new CountDownLatch(1);

  @Test
  @DisplayName("an execution the monitor asked about gets one last, final plan after its end")
  void finalPlan() throws Exception {
    try (FakeMonitor m = new FakeMonitor(LocalSpark.dir.resolve("final.sock"), "good")) {
      MonitorListener l = LocalSpark.attach(m.socket, "good", false);
      m.next("hello", DEADLINE_MS);
      SparkSession spark = SparkSession.builder().getOrCreate();
      registerGate(spark, "finalGate");
      Thread query =
          new Thread(
              () ->
                  spark
                      .sql(
                          "SELECT finalGate(id) % 7 AS k, count(*) FROM range(0, 10000, 1, 2)"
                              + " GROUP BY k")
                      .collectAsList());
      query.start();
      long id = m.next("sqlStart", DEADLINE_MS).path("executionId").asLong(-1);
      m.send("{\"type\":\"sqlPlan\",\"executionId\":" + id + "}");
      JsonNode live = m.next("sqlPlan", DEADLINE_MS);
      assertTrue(!live.path("final").asBoolean(true), "a running query's plan is not final");
      FINAL_GATE.countDown();
      query.join(DEADLINE_MS);
      m.next("sqlEnd", DEADLINE_MS);
      JsonNode last = m.next("sqlPlan", DEADLINE_MS);
      assertTrue(
          last.path("executionId").asLong(-2) == id && last.path("final").asBoolean(),
          "the last plan, final: " + last);
      assertTrue(rows(last, "Range") == 10_000, "the range's final rows: " + last);
      jsc.sc().removeSparkListener(l);
    }
  }

  @Test
  @DisplayName("a plan is cut to the frame bound, and UTF-8 lengths are counted exactly")
  void utf8Length() {
    for (String s :
        new String[] {"", "abc", "é", "€", "\uD83D\uDE00", "a\u00e9\u20ac\uD83D\uDE00"}) {
      assertTrue(
          SqlPlans.utf8Length(s) == s.getBytes(java.nio.charset.StandardCharsets.UTF_8).length,
          "UTF-8 length of " + s);
    }
  }

  /** The tests' gates by UDF name (the UDF is serialised: it names its gate, it cannot hold it). */
  private static final Map<String, CountDownLatch> GATES =
      Map.of("gate", GATE, "finalGate", FINAL_GATE);

  /** A UDF {@code name(x)} = x that holds row 0 until the test opens the gate of that name. */
  private static void registerGate(SparkSession spark, String name) {
    spark
        .udf()
        .register(
            name,
            (UDF1<Long, Long>)
                x -> {
                  if (x == 0 && !GATES.get(name).await(DEADLINE_MS, TimeUnit.MILLISECONDS)) {
                    throw new IllegalStateException("the test never opened the gate " + name);
                  }
                  return x;
                },
            DataTypes.LongType);
  }

  private static JsonNode parse(String s) throws Exception {
    return s == null ? null : JSON.readTree(s);
  }

  /**
   * Checks that no "number of output rows" went down since the last snapshot, and returns their sum
   * now. By accumulator: when AQE re-plans the running query the node ids change, an operator that
   * stays keeps its accumulators.
   */
  private static long monotonic(JsonNode snap, Map<Long, Long> seen) {
    long sum = 0;
    for (JsonNode n : snap.path("nodes")) {
      for (JsonNode m : n.path("metrics")) {
        if (!m.path("name").asText().equals("number of output rows")) continue;
        long v = Long.parseLong(m.path("value").asText().replace(",", ""));
        long acc = m.path("accumulatorId").asLong(-1);
        Long was = seen.put(acc, v);
        assertTrue(
            acc >= 0 && (was == null || v >= was),
            n.path("nodeName").asText() + " (accumulator " + acc + "): " + was + " to " + v);
        sum += v;
      }
    }
    return sum;
  }

  /** The sum of "number of output rows" over the operators of that name. */
  private static long rows(JsonNode snap, String operator) {
    long sum = 0;
    for (JsonNode n : snap.path("nodes")) {
      if (!n.path("nodeName").asText().equals(operator)) continue;
      for (JsonNode m : n.path("metrics")) {
        if (m.path("name").asText().equals("number of output rows")) {
          sum += Long.parseLong(m.path("value").asText().replace(",", ""));
        }
      }
    }
    return sum;
  }
}
