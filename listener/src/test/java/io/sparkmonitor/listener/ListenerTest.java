package io.sparkmonitor.listener;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * Real-JVM tests of the listener against a real local SparkContext and a fake monitor on a unix socket. Run by
 * listener/test.sh; exits non-zero on the first failure.
 */
public final class ListenerTest {
  static final long DEADLINE_MS = 30_000;
  static JavaSparkContext jsc;
  static Path dir;

  public static void main(String[] args) throws Exception {
    dir = Files.createTempDirectory("smtest");
    jsc = new JavaSparkContext(new SparkConf().setMaster("local[2]").setAppName("listener-test")
        .set("spark.ui.enabled", "false").set("spark.ui.showConsoleProgress", "false"));
    jsc.setLogLevel("WARN");
    List<String> failures = new ArrayList<>();
    run("streams a job's events with exact task counts", ListenerTest::streamsJobEvents, failures);
    run("a wrong secret is refused and Spark keeps working", ListenerTest::wrongSecret, failures);
    run("an absent monitor does not affect Spark", ListenerTest::monitorAbsent, failures);
    run("reconnects after the monitor restarts and resyncs", ListenerTest::reconnects, failures);
    jsc.stop();
    if (!failures.isEmpty()) {
      System.err.println(failures.size() + " listener test(s) failed");
      System.exit(1);
    }
    System.out.println("all listener tests passed");
  }

  interface Case { void run() throws Exception; }

  static void run(String name, Case c, List<String> failures) {
    try {
      c.run();
      System.out.println("PASS " + name);
    } catch (Throwable t) {
      System.out.println("FAIL " + name + ": " + t);
      failures.add(name);
    }
  }

  static void check(boolean ok, String what) {
    if (!ok) throw new AssertionError(what);
  }

  static MonitorListener attach(Path sock, String secret) {
    return MonitorPlugin.start(jsc.sc(), new Settings("unix:" + sock, secret, "kernel-1", "nb.ipynb", 1000));
  }

  static long runJob(int partitions, String cellId) {
    jsc.setLocalProperty("sparkmonitor.cellId", cellId);
    List<Integer> data = new ArrayList<>();
    for (int i = 0; i < partitions * 10; i++) data.add(i);
    return jsc.parallelize(data, partitions).map(x -> x * 2).count();
  }

  static void streamsJobEvents() throws Exception {
    try (FakeMonitor m = new FakeMonitor(dir.resolve("a.sock"), "good")) {
      MonitorListener l = attach(m.socket, "good");
      JsonNode hello = m.next("hello", DEADLINE_MS);
      check(hello.path("secret").asText().equals("good"), "hello carries the secret");
      check(hello.path("appId").asText().equals(jsc.sc().applicationId()), "hello carries the app id");
      check(hello.path("protocol").asInt() == 1 && hello.path("connection").asInt() == 1, "protocol 1, first connection");
      check(runJob(7, "cell-x") == 70, "the job's result");
      JsonNode start = m.next("jobStart", DEADLINE_MS);
      check(start.path("cellId").asText().equals("cell-x"), "jobStart carries the cell id: " + start);
      check(start.path("stages").get(0).path("numTasks").asInt() == 7, "the stage declares 7 tasks");
      m.next("stageSubmitted", DEADLINE_MS);
      int ends = 0;
      JsonNode f;
      while (!(f = m.frames.poll(DEADLINE_MS, java.util.concurrent.TimeUnit.MILLISECONDS)).path("type").asText().equals("jobEnd")) {
        if (f.path("type").asText().equals("taskEnd")) {
          check(f.path("status").asText().equals("SUCCESS"), "task succeeded");
          ends++;
        }
      }
      check(ends == 7, "7 taskEnd frames before jobEnd, got " + ends);
      check(f.path("result").asText().equals("SUCCEEDED"), "jobEnd SUCCEEDED");
      jsc.sc().removeSparkListener(l);
    }
  }

  static void wrongSecret() throws Exception {
    try (FakeMonitor m = new FakeMonitor(dir.resolve("b.sock"), "good")) {
      MonitorListener l = attach(m.socket, "bad");
      check(m.next("hello", DEADLINE_MS).path("secret").asText().equals("bad"), "first attempt");
      check(runJob(3, "cell-y") == 30, "Spark works while the monitor refuses the listener");
      check(m.next("hello", DEADLINE_MS) != null, "the listener retries after a refusal");
      jsc.sc().removeSparkListener(l);
    }
  }

  static void monitorAbsent() throws Exception {
    MonitorListener l = attach(dir.resolve("nobody.sock"), "x");
    check(runJob(4, "cell-z") == 40, "job result with no monitor");
    jsc.sc().removeSparkListener(l);
  }

  static void reconnects() throws Exception {
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
      check(hello.path("connection").asInt() == 2, "the second connection says so: " + hello);
      check(m2.next("resync", DEADLINE_MS).has("jobs"), "a resync frame follows the hello");
      runJob(3, "later");
      JsonNode start = m2.next("jobStart", DEADLINE_MS);
      while (!start.path("cellId").asText().equals("later")) start = m2.next("jobStart", DEADLINE_MS);
      check(m2.next("jobEnd", DEADLINE_MS).path("result").asText().equals("SUCCEEDED"), "later events arrive");
      jsc.sc().removeSparkListener(l);
    }
  }
}
