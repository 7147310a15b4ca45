package io.sparkmonitor.listener;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.function.Function;

/**
 * What the listener knows of the application for the resync frame (spark/event/PROTOCOL.md
 * "Reconnection"): the live jobs, the active stage attempts with their task counts, the most recent
 * ended jobs and completed stage attempts, and the executors.
 *
 * <p>Not thread-safe: the listener changes it on the listener bus thread and the sender takes a
 * {@link #snapshot} on its own thread, both under the listener's lock, the listener together with
 * offering the frame of the event that changed it. So a snapshot and the seq read with it cover
 * exactly the same events.
 *
 * <p>Bounds (oldest forgotten first, 10% at a time): {@link #MAX_LIVE_JOBS} live jobs and {@link
 * #MAX_ACTIVE_STAGES} active stage attempts (only reached when Spark dropped their ends: its
 * listener queues drop events when full), {@link #MAX_FINISHED_JOBS} ended jobs and {@link
 * #MAX_DONE_STAGES} completed stage attempts; executors are bounded by the application's, removed
 * when Spark removes them.
 */
final class LiveState {
  static final int MAX_LIVE_JOBS = 10_000, MAX_ACTIVE_STAGES = 10_000;

  /** Ended jobs and completed stage attempts remembered for the resync frame. */
  static final int MAX_FINISHED_JOBS = 1000, MAX_DONE_STAGES = 2000;

  /** An executor as the resync frame carries it. Immutable; its texts are cut. */
  static final class Executor {
    final String executorId;
    final String host;
    final int cores;

    Executor(String executorId, String host, int cores) {
      this.executorId = executorId;
      this.host = host;
      this.cores = cores;
    }

    String toJson() {
      return new Json().put("executorId", executorId).put("host", host).put("cores", cores).end();
    }
  }

  // Oldest first (insertion order).
  private final LinkedHashMap<Integer, JobState> liveJobs = new LinkedHashMap<>();
  private final LinkedHashMap<StageAttempt, StageState> activeStages = new LinkedHashMap<>();
  private final LinkedHashMap<Integer, JobState> finishedJobs = new LinkedHashMap<>();
  private final LinkedHashMap<StageAttempt, StageState> doneStages = new LinkedHashMap<>();
  private final LinkedHashMap<String, Executor> executors =
      new LinkedHashMap<>(); // by Spark's executor id
  private long forgottenLive;

  void jobStarted(JobState job) {
    liveJobs.put(job.jobId, job);
    forgottenLive += trim(liveJobs, MAX_LIVE_JOBS);
  }

  void jobEnded(int jobId, String result, String error, long time) {
    JobState started = liveJobs.remove(jobId);
    if (started == null) return;
    finishedJobs.put(jobId, started.ended(result, error, time));
    trim(finishedJobs, MAX_FINISHED_JOBS);
  }

  void stageSubmitted(StageState stage) {
    activeStages.put(stage.key, stage);
    doneStages.remove(stage.key);
    forgottenLive += trim(activeStages, MAX_ACTIVE_STAGES);
  }

  void stageCompleted(StageAttempt key, String status, long time) {
    StageState stage = activeStages.remove(key);
    if (stage == null) return;
    stage.complete(status, time);
    doneStages.put(key, stage);
    trim(doneStages, MAX_DONE_STAGES);
  }

  void taskStarted(StageAttempt key) {
    StageState stage = activeStages.get(key);
    if (stage != null) stage.taskStarted();
  }

  void taskEnded(StageAttempt key, String status) {
    StageState stage = activeStages.get(key);
    if (stage != null) stage.taskEnded(status);
  }

  void executorAdded(String sparkId, Executor executor) {
    executors.put(sparkId, executor);
  }

  void executorRemoved(String sparkId) {
    executors.remove(sparkId);
  }

  /** Live jobs and active stage attempts forgotten over their bound so far. */
  long forgottenLive() {
    return forgottenLive;
  }

  /**
   * What a resync frame carries now. The active stages' counts are rendered here (they change);
   * everything else the snapshot holds is immutable, rendered by {@link Snapshot#render} outside
   * the lock.
   */
  Snapshot snapshot() {
    List<String> active = new ArrayList<>(activeStages.size());
    for (StageState s : activeStages.values()) active.add(s.toResync());
    return new Snapshot(
        new ArrayList<>(liveJobs.values()),
        active,
        new ArrayList<>(finishedJobs.values()),
        new ArrayList<>(doneStages.values()),
        new ArrayList<>(executors.values()));
  }

  /** The state at one seq, for one resync frame. */
  static final class Snapshot {
    private final List<JobState> liveJobs;
    private final List<String> activeStages;
    private final List<JobState> finishedJobs; // oldest first
    private final List<StageState> doneStages; // oldest first
    private final List<Executor> executors;

    private Snapshot(
        List<JobState> liveJobs,
        List<String> activeStages,
        List<JobState> finishedJobs,
        List<StageState> doneStages,
        List<Executor> executors) {
      this.liveJobs = liveJobs;
      this.activeStages = activeStages;
      this.finishedJobs = finishedJobs;
      this.doneStages = doneStages;
      this.executors = executors;
    }

    /**
     * The resync frame covering the events up to {@code seq}, with the running SQL executions
     * {@code sqlExecutions} (JSON objects). The completed stages, then the ended jobs, newest
     * first, share {@code historyBytes} bytes.
     */
    String render(long seq, long time, List<String> sqlExecutions, int historyBytes) {
      List<String> jobs = new ArrayList<>(liveJobs.size());
      for (JobState j : liveJobs) jobs.add(j.toResync());
      List<String> stages = new ArrayList<>(activeStages);
      List<String> finished = new ArrayList<>();
      int budget = newestFirst(doneStages, StageState::toResync, stages, historyBytes);
      newestFirst(finishedJobs, JobState::toResync, finished, budget);
      List<String> execs = new ArrayList<>(executors.size());
      for (Executor e : executors) execs.add(e.toJson());
      return new Json()
          .put("type", "resync")
          .put("seq", seq)
          .put("time", time)
          .putRaw("jobs", Json.array(jobs))
          .putRaw("finishedJobs", Json.array(finished))
          .putRaw("stages", Json.array(stages))
          .putRaw("executors", Json.array(execs))
          .putRaw("sqlExecutions", Json.array(sqlExecutions))
          .end();
    }

    /**
     * Adds the items of {@code oldestFirst}, rendered, to {@code out}, newest first, while they fit
     * in {@code budget} bytes; returns the budget left.
     */
    private static <T> int newestFirst(
        List<T> oldestFirst, Function<T, String> render, List<String> out, int budget) {
      for (int i = oldestFirst.size() - 1; i >= 0; i--) {
        String item = render.apply(oldestFirst.get(i));
        int size = item.getBytes(StandardCharsets.UTF_8).length + 1;
        if (size > budget) break;
        budget -= size;
        out.add(item);
      }
      return budget;
    }
  }

  /** Forgets the oldest entries beyond {@code max}, 10% at a time; returns how many. */
  private static int trim(LinkedHashMap<?, ?> map, int max) {
    if (map.size() <= max) return 0;
    int remove = map.size() - max + max / 10;
    int removed = 0;
    Iterator<?> it = map.keySet().iterator();
    while (removed < remove && it.hasNext()) {
      it.next();
      it.remove();
      removed++;
    }
    return removed;
  }
}
