package io.sparkmonitor.listener;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Properties;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The listener's state for the resync frame (LiveState, JobState, StageState) fed directly: its
 * task counts, its bounds, and the byte budget of its history. No SparkContext: the events are
 * built as Spark builds them.
 */
final class LiveStateTest {
  private static JobState job(int jobId, String description) throws Throwable {
    Properties p = new Properties();
    if (description != null) p.setProperty("spark.job.description", description);
    p.setProperty("sparkmonitor.cellId", "cell-" + jobId);
    return JobState.started(new SparkListenerJobStart(jobId, 1000L + jobId, noStages(), p), null);
  }

  /**
   * Scala's empty list, as the stage list's type of this Spark's Scala (2.12 and 2.13 name it
   * differently).
   */
  @SuppressWarnings("unchecked")
  private static <T> T noStages() {
    return (T) scala.collection.immutable.Nil$.MODULE$;
  }

  private static JsonNode resync(LiveState s) throws Exception {
    String frame =
        s.snapshot().render(42, 7, Collections.emptyList(), MonitorListener.RESYNC_HISTORY_BYTES);
    return FakeMonitor.JSON.readTree(frame);
  }

  @Test
  @DisplayName("a stage attempt's task counts: active while it runs, final once it completed")
  void countsTasks() throws Exception {
    LiveState s = new LiveState();
    StageAttempt key = new StageAttempt(3, 1);
    s.stageSubmitted(new StageState(key, "collect at <stdin>:1", 5));
    for (int i = 0; i < 5; i++) s.taskStarted(new StageAttempt(3, 1));
    s.taskStarted(new StageAttempt(3, 0)); // another attempt: not counted here
    s.taskEnded(key, "SUCCESS");
    s.taskEnded(key, "SUCCESS");
    s.taskEnded(key, "FAILED");
    s.taskEnded(key, "KILLED");
    JsonNode active = resync(s).path("stages").get(0);
    assertEquals(
        "{\"stageId\":3,\"attemptId\":1,\"name\":\"collect at"
            + " <stdin>:1\",\"numTasks\":5,\"numCompletedTasks\":2,"
            + "\"numFailedTasks\":1,\"numActiveTasks\":1,\"numKilledTasks\":1,\"status\":\"ACTIVE\","
            + "\"completionTime\":null}",
        active.toString());
    s.taskEnded(key, "SUCCESS");
    s.stageCompleted(key, StageState.COMPLETE, 99);
    JsonNode done = resync(s).path("stages").get(0);
    assertEquals(3, done.path("numCompletedTasks").asInt(), "final counts: " + done);
    assertEquals(0, done.path("numActiveTasks").asInt(), "no active task once complete: " + done);
    assertEquals("COMPLETE", done.path("status").asText());
    assertEquals(99, done.path("completionTime").asLong());
  }

  @Test
  @DisplayName("an ended job is in the resync with its start fields and its result")
  void endedJob() throws Throwable {
    LiveState s = new LiveState();
    s.jobStarted(job(1, "first"));
    s.jobStarted(job(2, null));
    s.jobEnded(1, "FAILED", "boom", 2000);
    JsonNode r = resync(s);
    assertEquals(1, r.path("jobs").size(), "one live job: " + r);
    JsonNode live = r.path("jobs").get(0);
    assertTrue(
        live.path("jobId").asInt() == 2
            && live.path("time").asLong() == 1002
            && !live.has("result"),
        "" + live);
    JsonNode ended = r.path("finishedJobs").get(0);
    assertTrue(
        ended.path("jobId").asInt() == 1
            && ended.path("cellId").asText().equals("cell-1")
            && ended.path("description").asText().equals("first")
            && ended.path("result").asText().equals("FAILED")
            && ended.path("error").asText().equals("boom")
            && ended.path("completionTime").asLong() == 2000,
        "" + ended);
  }

  @Test
  @DisplayName("ended jobs, completed stages and live jobs are bounded, the oldest forgotten first")
  void bounded() throws Throwable {
    LiveState s = new LiveState();
    int jobs = 1500, stages = 2500;
    for (int i = 0; i < jobs; i++) {
      s.jobStarted(job(i, null));
      s.jobEnded(i, "SUCCEEDED", null, 5000 + i);
    }
    LiveState t = new LiveState(); // apart: the two share the history budget
    for (int i = 0; i < stages; i++) {
      StageAttempt key = new StageAttempt(i, 0);
      t.stageSubmitted(new StageState(key, "s", 1));
      t.stageCompleted(key, StageState.COMPLETE, 1);
    }
    JsonNode r = resync(s), q = resync(t);
    int finished = r.path("finishedJobs").size(), done = q.path("stages").size();
    assertTrue(
        finished <= LiveState.MAX_FINISHED_JOBS && finished >= LiveState.MAX_FINISHED_JOBS * 9 / 10,
        "ended jobs kept: " + finished);
    assertEquals(jobs - 1, r.path("finishedJobs").get(0).path("jobId").asInt(), "the newest first");
    assertTrue(
        done <= LiveState.MAX_DONE_STAGES && done >= LiveState.MAX_DONE_STAGES * 9 / 10,
        "completed stages kept: " + done);
    assertEquals(stages - 1, q.path("stages").get(0).path("stageId").asInt(), "the newest first");

    LiveState leaking = new LiveState(); // Spark dropped every jobEnd
    for (int i = 0; i < LiveState.MAX_LIVE_JOBS + 50; i++) leaking.jobStarted(job(i, null));
    JsonNode live = resync(leaking).path("jobs");
    assertTrue(live.size() <= LiveState.MAX_LIVE_JOBS, "live jobs kept: " + live.size());
    assertEquals(
        LiveState.MAX_LIVE_JOBS + 49,
        live.get(live.size() - 1).path("jobId").asInt(),
        "the newest kept");
    assertTrue(leaking.forgottenLive() > 0, "the forgotten are counted");
  }

  @Test
  @DisplayName("the ended jobs of a resync fit its history budget, the newest kept")
  void historyBudget() throws Throwable {
    LiveState s = new LiveState();
    String description = new String(new char[10_000]).replace('\0', 'd'); // cut to Text.DESCRIPTION
    for (int i = 0; i < LiveState.MAX_FINISHED_JOBS; i++) {
      s.jobStarted(job(i, description));
      s.jobEnded(i, "SUCCEEDED", null, 1);
    }
    JsonNode r = resync(s);
    int bytes = 0;
    ArrayList<Integer> ids = new ArrayList<>();
    for (JsonNode j : r.path("finishedJobs")) {
      bytes += j.toString().getBytes(StandardCharsets.UTF_8).length + 1;
      ids.add(j.path("jobId").asInt());
    }
    assertTrue(
        bytes <= MonitorListener.RESYNC_HISTORY_BYTES, "ended jobs take " + bytes + " bytes");
    assertTrue(
        ids.size() > 100 && ids.size() < LiveState.MAX_FINISHED_JOBS,
        "ended jobs kept: " + ids.size());
    assertEquals(LiveState.MAX_FINISHED_JOBS - 1, (int) ids.get(0), "the newest first");
    String frame =
        s.snapshot().render(1, 1, Collections.emptyList(), MonitorListener.RESYNC_HISTORY_BYTES);
    assertTrue(
        frame.getBytes(StandardCharsets.UTF_8).length < LineReader.MAX_LINE,
        "the frame fits the protocol");
  }
}
