package io.sparkmonitor.listener;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/** Cancel from the monitor, in a real local SparkContext (run by ListenerTest). */
final class CancelTest {
  static final long CANCEL_WITHIN_MS = 2000;
  // Tasks of a gated job wait on their gate (same JVM in local mode); cancellation interrupts them.
  static final Map<String, CountDownLatch> GATES = new ConcurrentHashMap<>();

  /** A job (in its own thread, with its cell id) whose tasks wait for the gate; holds the outcome. */
  static final class GatedJob {
    final String gate;
    final Thread thread;
    final AtomicReference<Object> outcome = new AtomicReference<>();

    GatedJob(String cellId, int partitions) {
      gate = cellId + "-" + System.nanoTime();
      GATES.put(gate, new CountDownLatch(1));
      String g = gate;
      thread = new Thread(() -> {
        try {
          ListenerTest.jsc.setLocalProperty("sparkmonitor.cellId", cellId);
          ListenerTest.jsc.setLocalProperty("spark.job.interruptOnCancel", "true");
          List<Integer> data = new ArrayList<>();
          for (int i = 0; i < partitions; i++) data.add(i);
          outcome.set(ListenerTest.jsc.parallelize(data, partitions).map(x -> {
            if (!GATES.get(g).await(ListenerTest.DEADLINE_MS, TimeUnit.MILLISECONDS)) throw new IllegalStateException("gate timeout");
            return x;
          }).count());
        } catch (Throwable t) {
          outcome.set(t);
        }
      }, "job-" + cellId);
      thread.setDaemon(true);
      thread.start();
    }

    void release() { GATES.get(gate).countDown(); }

    Object join() throws InterruptedException {
      thread.join(ListenerTest.DEADLINE_MS);
      ListenerTest.check(!thread.isAlive(), "the job's thread ended");
      return outcome.get();
    }
  }

  static JsonNode jobStartOf(FakeMonitor m, String cellId) throws InterruptedException {
    JsonNode s = m.next("jobStart", ListenerTest.DEADLINE_MS);
    while (!s.path("cellId").asText().equals(cellId)) s = m.next("jobStart", ListenerTest.DEADLINE_MS);
    return s;
  }

  static JsonNode jobEndOf(FakeMonitor m, int jobId, long timeoutMs) throws InterruptedException {
    long deadline = System.currentTimeMillis() + timeoutMs;
    JsonNode e = m.next("jobEnd", timeoutMs);
    while (e.path("jobId").asInt() != jobId) e = m.next("jobEnd", Math.max(1, deadline - System.currentTimeMillis()));
    return e;
  }

  /** Sends a frame and waits for the listener's jobEnd of jobId: FAILED, with a cancellation error, within 2 s. */
  static String cancelled(FakeMonitor m, String frame, int jobId) throws Exception {
    long sent = System.currentTimeMillis();
    m.send(frame);
    JsonNode end = jobEndOf(m, jobId, CANCEL_WITHIN_MS);
    long took = System.currentTimeMillis() - sent;
    String error = end.path("error").asText();
    ListenerTest.check(end.path("result").asText().equals("FAILED") && error.contains("cancelled"),
        "a cancelled job ends FAILED with Spark's cancellation error: " + end);
    System.out.println("  observed (" + took + " ms after " + frame + "): " + error);
    return error;
  }

  static void cancelsJobAndStage() throws Exception {
    try (FakeMonitor m = new FakeMonitor(ListenerTest.dir.resolve("k.sock"), "good")) {
      MonitorListener l = ListenerTest.attach(m.socket, "good");
      check(m.next("hello", ListenerTest.DEADLINE_MS).path("killEnabled").asBoolean(false), "hello says killEnabled");
      GatedJob a = new GatedJob("cell-k", 2);
      int id = jobStartOf(m, "cell-k").path("jobId").asInt();
      m.send("{broken"); // logged once, ignored: the next frame still works
      m.send("{\"type\":\"somethingNew\",\"x\":[1,{\"y\":null}]}");
      cancelled(m, "{\"type\":\"cancelJob\",\"jobId\":" + id + ",\"reason\":\"from the test\"}", id);
      check(a.join() instanceof Exception, "the action raised in the job's thread: " + a.outcome.get());

      GatedJob b = new GatedJob("cell-s", 2);
      int jobB = jobStartOf(m, "cell-s").path("jobId").asInt();
      int stage = m.next("stageSubmitted", ListenerTest.DEADLINE_MS).path("stageId").asInt();
      cancelled(m, "{\"type\":\"cancelStage\",\"stageId\":" + stage + ",\"reason\":\"from the test\"}", jobB);
      b.join();
      ListenerTest.jsc.sc().removeSparkListener(l);
    }
  }

  static void cancelsOnlyTheCell() throws Exception {
    try (FakeMonitor m = new FakeMonitor(ListenerTest.dir.resolve("l.sock"), "good")) {
      MonitorListener l = ListenerTest.attach(m.socket, "good");
      m.next("hello", ListenerTest.DEADLINE_MS);
      GatedJob a = new GatedJob("cell-a", 1);
      int jobA = jobStartOf(m, "cell-a").path("jobId").asInt();
      GatedJob b = new GatedJob("cell-b", 1);
      int jobB = jobStartOf(m, "cell-b").path("jobId").asInt();
      cancelled(m, "{\"type\":\"cancelCell\",\"cellId\":\"cell-a\",\"reason\":\"cell cancel\"}", jobA);
      a.join();
      check(b.thread.isAlive(), "cell-b's job still runs");
      b.release();
      JsonNode endB = jobEndOf(m, jobB, ListenerTest.DEADLINE_MS);
      check(endB.path("result").asText().equals("SUCCEEDED"), "cell-b's job was left alone: " + endB);
      check(Long.valueOf(1).equals(b.join()), "cell-b's result");
      ListenerTest.jsc.sc().removeSparkListener(l);
    }
  }

  static void killDisabledIgnoresCancel() throws Exception {
    try (FakeMonitor m = new FakeMonitor(ListenerTest.dir.resolve("n.sock"), "good")) {
      MonitorListener l = ListenerTest.attach(m.socket, "good", false);
      check(!m.next("hello", ListenerTest.DEADLINE_MS).path("killEnabled").asBoolean(true), "hello says killEnabled=false");
      GatedJob a = new GatedJob("cell-n", 1);
      int id = jobStartOf(m, "cell-n").path("jobId").asInt();
      m.send("{\"type\":\"cancelJob\",\"jobId\":" + id + ",\"reason\":\"r\"}");
      m.send("{\"type\":\"cancelCell\",\"cellId\":\"cell-n\",\"reason\":\"r\"}");
      check(l.control().handled.tryAcquire(2, ListenerTest.DEADLINE_MS, TimeUnit.MILLISECONDS), "both frames were handled");
      a.release();
      JsonNode end = jobEndOf(m, id, ListenerTest.DEADLINE_MS);
      check(end.path("result").asText().equals("SUCCEEDED"), "the job ran to the end: " + end);
      ListenerTest.jsc.sc().removeSparkListener(l);
    }
  }

  /** Control alone, with a recording Canceller: what each frame calls, and malformed frames calling nothing. */
  static void parsesControlFrames() {
    List<String> calls = new ArrayList<>();
    Control c = new Control(new Control.Canceller() {
      public void cancelJob(int jobId, String reason) { calls.add("job " + jobId + " " + reason); }

      public void cancelStage(int stageId, String reason) { calls.add("stage " + stageId + " " + reason); }
    }, true);
    c.jobStarted(1, "cell \"1\"");
    c.jobStarted(2, "cell \"1\"");
    c.jobStarted(3, "other");
    c.jobStarted(4, null);
    c.jobEnded(2);
    c.handle("{\"type\":\"cancelJob\",\"jobId\":7,\"reason\":\"r\\u00e9\\n\"}");
    c.handle(" { \"reason\" : \"s\" , \"stageId\" : 3 , \"type\" : \"cancelStage\" , \"extra\" : {\"a\":[1,2.5e3,true]} } ");
    c.handle("{\"type\":\"cancelCell\",\"cellId\":\"cell \\\"1\\\"\",\"reason\":\"x\"}");
    c.handle("{\"type\":\"cancelJob\",\"jobId\":8}");
    for (String bad : new String[] {"", "{", "[1]", "{\"type\":\"cancelJob\",\"jobId\":\"9\"}",
        "{\"type\":\"cancelJob\",\"jobId\":-1}", "{\"type\":\"cancelJob\",\"jobId\":1.5}",
        "{\"type\":\"cancelJob\",\"jobId\":99999999999}", "{\"type\":\"cancelCell\"}", "{\"type\":\"cancelJob\"} x",
        "{\"type\":\"later\",\"jobId\":1}"}) {
      c.handle(bad);
    }
    String want = "[job 7 r\u00e9\n, stage 3 s, job 1 x, job 8 via SparkMonitor]";
    check(calls.toString().equals(want), "calls " + calls + ", want " + want);
    check(c.handled.availablePermits() == 14, "every frame counts as handled: " + c.handled.availablePermits());
  }

  static void check(boolean ok, String what) { ListenerTest.check(ok, what); }
}
