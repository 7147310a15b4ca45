package io.sparkmonitor.listener;

import static io.sparkmonitor.listener.LocalSpark.DEADLINE_MS;
import static io.sparkmonitor.listener.LocalSpark.attach;
import static io.sparkmonitor.listener.LocalSpark.dir;
import static io.sparkmonitor.listener.LocalSpark.jsc;
import static io.sparkmonitor.listener.LocalSpark.runJob;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Real-JVM tests of the listener against a real local SparkContext and a fake monitor on a unix
 * socket. The first test class to run (junit-platform.properties), its tests in this order: see
 * {@link #listenerQueues}.
 */
@Order(1)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@ExtendWith(LocalSpark.class)
final class ListenerTest {
  @Test
  @Order(7)
  @DisplayName("a task end's status is Spark's, by its reason")
  void statusByReason() {
    assertTrue(
        MonitorListener.statusOf(org.apache.spark.Success$.MODULE$).equals("SUCCESS"), "Success");
    assertTrue(
        MonitorListener.statusOf(org.apache.spark.Resubmitted$.MODULE$).equals("FAILED"),
        "Resubmitted counts as failed");
    assertTrue(
        MonitorListener.statusOf(new org.apache.spark.TaskCommitDenied(1, 2, 0)).equals("KILLED"),
        "TaskCommitDenied");
    assertTrue(
        MonitorListener.statusOf(
                new org.apache.spark.ExecutorLostFailure("1", true, scala.Option.apply("lost")))
            .equals("FAILED"),
        "ExecutorLostFailure");
  }

  @Test
  @Order(8)
  @DisplayName("the plugin takes itself off the executors' plugin lists")
  void keepsOffExecutors() {
    String self = MonitorPlugin.class.getName();
    SparkConf conf =
        new SparkConf(false)
            .set("spark.plugins.defaultList", "myteam.TeamPlugin, " + self)
            .set("spark.plugins", self);
    MonitorPlugin.keepOffExecutors(conf);
    assertTrue(
        conf.get("spark.plugins.defaultList").equals("myteam.TeamPlugin"),
        "the user's plugin stays: " + conf.toDebugString());
    assertTrue(
        !conf.contains("spark.plugins"), "an emptied list is removed: " + conf.toDebugString());
    SparkConf only = new SparkConf(false).set("spark.plugins.defaultList", self);
    MonitorPlugin.keepOffExecutors(only);
    assertTrue(
        !only.contains("spark.plugins.defaultList") && !only.contains("spark.plugins"),
        only.toDebugString());
  }

  /**
   * By default the listener adds no listener queue (no spark-listener-group-shared thread): it
   * rides Spark's appStatus queue (PySpark's SparkSession adds no listener to the shared queue; one
   * built with SparkSession.builder() in the JVM does, so this test runs first).
   * spark.sparkmonitor.listenerQueue=shared puts it where addSparkListener would. Either way a
   * job's events arrive; an unknown value falls back to appStatus.
   */
  @Test
  @Order(1)
  @DisplayName("the listener runs on Spark's appStatus queue, or on the shared one when configured")
  void listenerQueues() throws Exception {
    assertTrue(
        MonitorPlugin.listenerQueue(new SparkConf(false)).equals("appStatus"),
        "appStatus by default");
    assertTrue(
        MonitorPlugin.listenerQueue(
                new SparkConf(false).set("spark.sparkmonitor.listenerQueue", " shared "))
            .equals("shared"),
        "shared when asked");
    assertTrue(
        MonitorPlugin.listenerQueue(
                new SparkConf(false).set("spark.sparkmonitor.listenerQueue", "eventLog"))
            .equals("appStatus"),
        "an unknown queue falls back to appStatus");
    for (String queue : new String[] {"appStatus", "shared"}) {
      try (FakeMonitor m = new FakeMonitor(dir.resolve("q-" + queue + ".sock"), "good")) {
        MonitorListener l =
            MonitorPlugin.start(
                jsc.sc(),
                new Settings(
                    "unix:" + m.socket, "good", "kernel-1", "nb.ipynb", 1000, true, queue));
        try {
          m.next("hello", DEADLINE_MS);
          boolean shared = jsc.sc().listenerBus().activeQueues().contains("shared");
          assertTrue(
              shared == queue.equals("shared"), queue + ": the shared queue exists: " + shared);
          assertTrue(runJob(3, "cell-q") == 30, "the job's result");
          int ends = 0;
          JsonNode f;
          while (!(f = m.frames.poll(DEADLINE_MS, java.util.concurrent.TimeUnit.MILLISECONDS))
              .path("type")
              .asText()
              .equals("jobEnd")) {
            if (f.path("type").asText().equals("taskEnd")) ends++;
          }
          assertTrue(ends == 3, queue + ": 3 taskEnd frames before jobEnd, got " + ends);
        } finally {
          jsc.sc().removeSparkListener(l);
        }
      }
    }
    assertTrue(
        !jsc.sc().listenerBus().activeQueues().contains("shared"),
        "the shared queue goes with its last listener: " + jsc.sc().listenerBus().activeQueues());
  }

  @Test
  @Order(2)
  @DisplayName("streams a job's events with exact task counts")
  void streamsJobEvents() throws Exception {
    try (FakeMonitor m = new FakeMonitor(dir.resolve("a.sock"), "good")) {
      MonitorListener l = attach(m.socket, "good");
      JsonNode hello = m.next("hello", DEADLINE_MS);
      assertTrue(hello.path("secret").asText().equals("good"), "hello carries the secret");
      assertTrue(
          hello.path("appId").asText().equals(jsc.sc().applicationId()),
          "hello carries the app id");
      assertTrue(
          hello.path("protocol").asInt() == 1 && hello.path("connection").asInt() == 1,
          "protocol 1, first connection");
      assertTrue(runJob(7, "cell-x") == 70, "the job's result");
      JsonNode start = m.next("jobStart", DEADLINE_MS);
      assertTrue(
          start.path("cellId").asText().equals("cell-x"), "jobStart carries the cell id: " + start);
      assertTrue(
          start.path("stages").get(0).path("numTasks").asInt() == 7, "the stage declares 7 tasks");
      m.next("stageSubmitted", DEADLINE_MS);
      int ends = 0;
      JsonNode f;
      while (!(f = m.frames.poll(DEADLINE_MS, java.util.concurrent.TimeUnit.MILLISECONDS))
          .path("type")
          .asText()
          .equals("jobEnd")) {
        if (f.path("type").asText().equals("taskEnd")) {
          assertTrue(f.path("status").asText().equals("SUCCESS"), "task succeeded");
          ends++;
        }
      }
      assertTrue(ends == 7, "7 taskEnd frames before jobEnd, got " + ends);
      assertTrue(f.path("result").asText().equals("SUCCEEDED"), "jobEnd SUCCEEDED");
      jsc.sc().removeSparkListener(l);
    }
  }

  @Test
  @Order(3)
  @DisplayName("streams SQL query executions and their jobs")
  void streamsSqlExecutions() throws Exception {
    try (FakeMonitor m = new FakeMonitor(dir.resolve("d.sock"), "good")) {
      MonitorListener l = attach(m.socket, "good");
      m.next("hello", DEADLINE_MS);
      SparkSession spark = SparkSession.builder().getOrCreate();
      jsc.setLocalProperty("sparkmonitor.cellId", "cell-sql");
      String query = "SELECT id % 3 AS k, count(*) AS n FROM range(0, 1000, 1, 4) GROUP BY k";
      assertTrue(spark.sql(query).collectAsList().size() == 3, "the query's result");
      JsonNode start = m.next("sqlStart", DEADLINE_MS);
      long id = start.path("executionId").asLong(-1);
      assertTrue(
          id >= 0 && start.path("description").asText().equals(query),
          "sqlStart carries the execution id and the query: " + start);
      assertTrue(
          start.path("rootExecutionId").asLong(-1) == id,
          "a query is its own root execution: " + start);
      assertTrue(
          start.path("seq").asLong() > 0 && start.path("time").asLong() > 0,
          "sqlStart has seq and time: " + start);
      List<JsonNode> during =
          frames(
              m,
              f ->
                  f.path("type").asText().equals("sqlEnd") && f.path("executionId").asLong() == id);
      JsonNode end = during.get(during.size() - 1);
      assertTrue(end.path("error").isNull(), "a successful query ends without error: " + end);
      assertTrue(
          during.stream()
              .anyMatch(
                  f ->
                      f.path("type").asText().equals("jobStart")
                          && f.path("sqlExecutionId").asLong(-1) == id),
          "a job of the query names its execution");
      try {
        spark
            .sql("SELECT CASE WHEN id = 7 THEN raise_error('sql boom') END FROM range(10)")
            .collectAsList();
        assertTrue(false, "the failing query raised");
      } catch (RuntimeException expected) {
        // the query's error, as the user sees it
      }
      long failed = m.next("sqlStart", DEADLINE_MS).path("executionId").asLong();
      List<JsonNode> rest =
          frames(
              m,
              f ->
                  f.path("type").asText().equals("sqlEnd")
                      && f.path("executionId").asLong() == failed);
      assertTrue(
          rest.get(rest.size() - 1).path("error").asText().contains("sql boom"),
          "a failed query ends with its error: " + rest.get(rest.size() - 1));
      jsc.sc().removeSparkListener(l);
    }
  }

  /**
   * The frames from now up to and including the first one that matches, waiting at most DEADLINE_MS
   * in all.
   */
  static List<JsonNode> frames(FakeMonitor m, java.util.function.Predicate<JsonNode> last)
      throws InterruptedException {
    long deadline = System.currentTimeMillis() + DEADLINE_MS;
    List<JsonNode> seen = new ArrayList<>();
    while (seen.isEmpty() || !last.test(seen.get(seen.size() - 1))) {
      JsonNode f =
          m.frames.poll(
              Math.max(0, deadline - System.currentTimeMillis()),
              java.util.concurrent.TimeUnit.MILLISECONDS);
      if (f == null)
        throw new AssertionError(
            "no matching frame within " + DEADLINE_MS + " ms; saw " + seen.size() + " others");
      seen.add(f);
    }
    return seen;
  }

  @Test
  @Order(4)
  @DisplayName("a wrong secret is refused and Spark keeps working")
  void wrongSecret() throws Exception {
    try (FakeMonitor m = new FakeMonitor(dir.resolve("b.sock"), "good")) {
      MonitorListener l = attach(m.socket, "bad");
      assertTrue(
          m.next("hello", DEADLINE_MS).path("secret").asText().equals("bad"), "first attempt");
      assertTrue(runJob(3, "cell-y") == 30, "Spark works while the monitor refuses the listener");
      assertTrue(m.next("hello", DEADLINE_MS) != null, "the listener retries after a refusal");
      jsc.sc().removeSparkListener(l);
    }
  }

  @Test
  @Order(5)
  @DisplayName("an absent monitor does not affect Spark")
  void monitorAbsent() throws Exception {
    MonitorListener l = attach(dir.resolve("nobody.sock"), "x");
    assertTrue(runJob(4, "cell-z") == 40, "job result with no monitor");
    jsc.sc().removeSparkListener(l);
  }

  @Test
  @Order(6)
  @DisplayName("reconnects after the monitor restarts and resyncs")
  void reconnects() throws Exception {
    Path sock = dir.resolve("c.sock");
    MonitorListener l;
    try (FakeMonitor m = new FakeMonitor(sock, "good")) {
      l = attach(sock, "good");
      m.next("hello", DEADLINE_MS);
      runJob(2, "before");
      m.next("jobEnd", DEADLINE_MS);
    }
    try (FakeMonitor m2 = new FakeMonitor(sock, "good")) {
      runJob(2, "after");
      JsonNode hello = m2.next("hello", DEADLINE_MS);
      assertTrue(hello.path("connection").asInt() == 2, "the second connection says so: " + hello);
      JsonNode resync = m2.next("resync", DEADLINE_MS);
      assertTrue(
          resync.has("jobs") && resync.path("sqlExecutions").isArray(),
          "a resync frame follows the hello: " + resync);
      runJob(3, "later");
      JsonNode start = m2.next("jobStart", DEADLINE_MS);
      while (!start.path("cellId").asText().equals("later"))
        start = m2.next("jobStart", DEADLINE_MS);
      assertTrue(
          m2.next("jobEnd", DEADLINE_MS).path("result").asText().equals("SUCCEEDED"),
          "later events arrive");
      jsc.sc().removeSparkListener(l);
    }
  }

  @Test
  @Order(9)
  @DisplayName("the resync carries a job that ran while the monitor was away, with its counts")
  void resyncsJobsEndedWhileAway() throws Exception {
    Path sock = dir.resolve("d.sock");
    MonitorListener l;
    try (FakeMonitor m = new FakeMonitor(sock, "good")) {
      l = attach(sock, "good");
      m.next("hello", DEADLINE_MS);
      runJob(2, "before");
      m.next("jobEnd", DEADLINE_MS);
    }
    // No monitor now (its socket is gone, as when the monitor was killed): the job's frames stay
    // queued.
    assertTrue(runJob(3, "away") == 30, "Spark works while the monitor is away");
    try (FakeMonitor m2 = new FakeMonitor(sock, "good")) {
      m2.next("hello", DEADLINE_MS);
      JsonNode resync = m2.next("resync", DEADLINE_MS);
      JsonNode away = null;
      for (JsonNode j : resync.path("finishedJobs"))
        if (j.path("cellId").asText().equals("away")) away = j;
      assertTrue(
          away != null
              && away.path("result").asText().equals("SUCCEEDED")
              && away.path("time").asLong() > 0
              && away.path("completionTime").asLong() >= away.path("time").asLong(),
          "the ended job is in the resync: " + resync);
      int stageId = away.path("stages").get(0).path("stageId").asInt();
      JsonNode stage = null;
      for (JsonNode st : resync.path("stages"))
        if (st.path("stageId").asInt() == stageId) stage = st;
      assertTrue(
          stage != null
              && stage.path("status").asText().equals("COMPLETE")
              && stage.path("numCompletedTasks").asInt() == 3,
          "its stage is in the resync, COMPLETE with 3 tasks: " + resync);
      runJob(1, "later");
      JsonNode start = m2.next("jobStart", DEADLINE_MS);
      assertTrue(
          start.path("cellId").asText().equals("later"),
          "the frames the resync covers are not sent again: " + start);
      jsc.sc().removeSparkListener(l);
    }
  }
}
