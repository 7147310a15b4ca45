package io.sparkmonitor.listener;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Cancel from the monitor, in a real local SparkContext (JUnit; the SparkContext of LocalSpark).
 */
@Order(2)
@ExtendWith(LocalSpark.class)
final class CancelTest {
  static final long CANCEL_WITHIN_MS = 2000;
  // Tasks of a gated job wait on their gate (same JVM in local mode); cancellation interrupts them.
  static final Map<String, CountDownLatch> GATES = new ConcurrentHashMap<>();

  /**
   * A job (in its own thread, with its cell id) whose tasks wait for the gate; holds the outcome.
   */
  static final class GatedJob {
    final String gate;
    final Thread thread;
    final AtomicReference<Object> outcome = new AtomicReference<>();

    GatedJob(String cellId, int partitions) {
      gate = cellId + "-" + System.nanoTime();
      GATES.put(gate, new CountDownLatch(1));
      String g = gate;
      thread =
          new Thread(
              () -> {
                try {
                  LocalSpark.jsc.setLocalProperty("sparkmonitor.cellId", cellId);
                  LocalSpark.jsc.setLocalProperty("spark.job.interruptOnCancel", "true");
                  List<Integer> data = new ArrayList<>();
                  for (int i = 0; i < partitions; i++) data.add(i);
                  outcome.set(
                      LocalSpark.jsc
                          .parallelize(data, partitions)
                          .map(
                              x -> {
                                if (!GATES
                                    .get(g)
                                    .await(LocalSpark.DEADLINE_MS, TimeUnit.MILLISECONDS))
                                  throw new IllegalStateException("gate timeout");
                                return x;
                              })
                          .count());
                } catch (Throwable t) {
                  outcome.set(t);
                }
              },
              "job-" + cellId);
      thread.setDaemon(true);
      thread.start();
    }

    void release() {
      GATES.get(gate).countDown();
    }

    Object join() throws InterruptedException {
      thread.join(LocalSpark.DEADLINE_MS);
      assertTrue(!thread.isAlive(), "the job's thread ended");
      return outcome.get();
    }
  }

  static JsonNode jobStartOf(FakeMonitor m, String cellId) throws InterruptedException {
    JsonNode s = m.next("jobStart", LocalSpark.DEADLINE_MS);
    while (!s.path("cellId").asText().equals(cellId))
      s = m.next("jobStart", LocalSpark.DEADLINE_MS);
    return s;
  }

  static JsonNode jobEndOf(FakeMonitor m, int jobId, long timeoutMs) throws InterruptedException {
    long deadline = System.currentTimeMillis() + timeoutMs;
    JsonNode e = m.next("jobEnd", timeoutMs);
    while (e.path("jobId").asInt() != jobId)
      e = m.next("jobEnd", Math.max(1, deadline - System.currentTimeMillis()));
    return e;
  }

  /**
   * Sends a frame and waits for the listener's jobEnd of jobId: FAILED, with a cancellation error,
   * within 2 s.
   */
  static String cancelled(FakeMonitor m, String frame, int jobId) throws Exception {
    long sent = System.currentTimeMillis();
    m.send(frame);
    JsonNode end = jobEndOf(m, jobId, CANCEL_WITHIN_MS);
    long took = System.currentTimeMillis() - sent;
    String error = end.path("error").asText();
    assertTrue(
        end.path("result").asText().equals("FAILED") && error.contains("cancelled"),
        "a cancelled job ends FAILED with Spark's cancellation error: " + end);
    System.out.println("  observed (" + took + " ms after " + frame + "): " + error);
    return error;
  }

  @Test
  @DisplayName("cancelJob and cancelStage frames cancel within 2 s")
  void cancelsJobAndStage() throws Exception {
    try (FakeMonitor m = new FakeMonitor(LocalSpark.dir.resolve("k.sock"), "good")) {
      MonitorListener l = LocalSpark.attach(m.socket, "good");
      assertTrue(
          m.next("hello", LocalSpark.DEADLINE_MS).path("killEnabled").asBoolean(false),
          "hello says killEnabled");
      GatedJob a = new GatedJob("cell-k", 2);
      int id = jobStartOf(m, "cell-k").path("jobId").asInt();
      m.send("{broken"); // logged once, ignored: the next frame still works
      m.send("{\"type\":\"somethingNew\",\"x\":[1,{\"y\":null}]}");
      cancelled(
          m, "{\"type\":\"cancelJob\",\"jobId\":" + id + ",\"reason\":\"from the test\"}", id);
      assertTrue(
          a.join() instanceof Exception,
          "the action raised in the job's thread: " + a.outcome.get());

      GatedJob b = new GatedJob("cell-s", 2);
      int jobB = jobStartOf(m, "cell-s").path("jobId").asInt();
      int stage = m.next("stageSubmitted", LocalSpark.DEADLINE_MS).path("stageId").asInt();
      cancelled(
          m,
          "{\"type\":\"cancelStage\",\"stageId\":" + stage + ",\"reason\":\"from the test\"}",
          jobB);
      b.join();
      LocalSpark.jsc.sc().removeSparkListener(l);
    }
  }

  @Test
  @DisplayName("cancelCell cancels only that cell's jobs")
  void cancelsOnlyTheCell() throws Exception {
    try (FakeMonitor m = new FakeMonitor(LocalSpark.dir.resolve("l.sock"), "good")) {
      MonitorListener l = LocalSpark.attach(m.socket, "good");
      m.next("hello", LocalSpark.DEADLINE_MS);
      GatedJob a = new GatedJob("cell-a", 1);
      int jobA = jobStartOf(m, "cell-a").path("jobId").asInt();
      GatedJob b = new GatedJob("cell-b", 1);
      int jobB = jobStartOf(m, "cell-b").path("jobId").asInt();
      cancelled(
          m, "{\"type\":\"cancelCell\",\"cellId\":\"cell-a\",\"reason\":\"cell cancel\"}", jobA);
      a.join();
      assertTrue(b.thread.isAlive(), "cell-b's job still runs");
      b.release();
      JsonNode endB = jobEndOf(m, jobB, LocalSpark.DEADLINE_MS);
      assertTrue(
          endB.path("result").asText().equals("SUCCEEDED"), "cell-b's job was left alone: " + endB);
      assertTrue(Long.valueOf(1).equals(b.join()), "cell-b's result");
      LocalSpark.jsc.sc().removeSparkListener(l);
    }
  }

  @Test
  @DisplayName("killEnabled=false ignores cancel frames")
  void killDisabledIgnoresCancel() throws Exception {
    try (FakeMonitor m = new FakeMonitor(LocalSpark.dir.resolve("n.sock"), "good")) {
      MonitorListener l = LocalSpark.attach(m.socket, "good", false);
      assertTrue(
          !m.next("hello", LocalSpark.DEADLINE_MS).path("killEnabled").asBoolean(true),
          "hello says killEnabled=false");
      GatedJob a = new GatedJob("cell-n", 1);
      int id = jobStartOf(m, "cell-n").path("jobId").asInt();
      m.send("{\"type\":\"cancelJob\",\"jobId\":" + id + ",\"reason\":\"r\"}");
      m.send("{\"type\":\"cancelCell\",\"cellId\":\"cell-n\",\"reason\":\"r\"}");
      assertTrue(
          l.control().handled.tryAcquire(2, LocalSpark.DEADLINE_MS, TimeUnit.MILLISECONDS),
          "both frames were handled");
      a.release();
      JsonNode end = jobEndOf(m, id, LocalSpark.DEADLINE_MS);
      assertTrue(end.path("result").asText().equals("SUCCEEDED"), "the job ran to the end: " + end);
      LocalSpark.jsc.sc().removeSparkListener(l);
    }
  }

  /**
   * Control alone, with a recording Canceller: what each frame calls, and malformed frames calling
   * nothing.
   */
  @Test
  @DisplayName("control frames: what each calls; malformed ones call nothing")
  void parsesControlFrames() {
    List<String> calls = new ArrayList<>();
    Control c =
        new Control(
            new Control.Canceller() {
              public void cancelJob(int jobId, String reason) {
                calls.add("job " + jobId + " " + reason);
              }

              public void cancelStage(int stageId, String reason) {
                calls.add("stage " + stageId + " " + reason);
              }
            },
            true);
    c.jobStarted(1, "cell \"1\"");
    c.jobStarted(2, "cell \"1\"");
    c.jobStarted(3, "other");
    c.jobStarted(4, null);
    c.jobEnded(2);
    c.handle("{\"type\":\"cancelJob\",\"jobId\":7,\"reason\":\"r\\u00e9\\n\"}");
    c.handle(
        " { \"reason\" : \"s\" , \"stageId\" : 3 , \"type\" : \"cancelStage\" , \"extra\" :"
            + " {\"a\":[1,2.5e3,true]} } ");
    c.handle("{\"type\":\"cancelCell\",\"cellId\":\"cell \\\"1\\\"\",\"reason\":\"x\"}");
    c.handle("{\"type\":\"cancelJob\",\"jobId\":8}");
    for (String bad :
        new String[] {
          "",
          "{",
          "[1]",
          "{\"type\":\"cancelJob\",\"jobId\":\"9\"}",
          "{\"type\":\"cancelJob\",\"jobId\":-1}",
          "{\"type\":\"cancelJob\",\"jobId\":1.5}",
          "{\"type\":\"cancelJob\",\"jobId\":99999999999}",
          "{\"type\":\"cancelCell\"}",
          "{\"type\":\"cancelJob\"} x",
          "{\"type\":\"later\",\"jobId\":1}"
        }) {
      c.handle(bad);
    }
    String want = "[job 7 r\u00e9\n, stage 3 s, job 1 x, job 8 via SparkMonitor]";
    assertTrue(calls.toString().equals(want), "calls " + calls + ", want " + want);
    assertTrue(
        c.handled.availablePermits() == 14,
        "every frame counts as handled: " + c.handled.availablePermits());
  }
}
