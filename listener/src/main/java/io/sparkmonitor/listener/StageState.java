package io.sparkmonitor.listener;

/**
 * One stage attempt's task counts, kept by the listener for the resync frame. Changed on the
 * listener bus thread under the listener's lock while the attempt is active; once {@link
 * #complete}d nothing changes it (a stage attempt submitted again gets a new StageState).
 */
final class StageState {
  static final String ACTIVE = "ACTIVE", COMPLETE = "COMPLETE", FAILED = "FAILED";

  final StageAttempt key;
  final String name;
  final int numTasks;
  private int completed;
  private int failed;
  private int active;
  private int killed;
  private String status = ACTIVE;
  private long completionTime = -1;

  /** A submitted attempt, no task started yet; {@code name} is already cut. */
  StageState(StageAttempt key, String name, int numTasks) {
    this.key = key;
    this.name = name;
    this.numTasks = numTasks;
  }

  void taskStarted() {
    active++;
  }

  /** A task ended with {@code taskStatus} as {@link MonitorListener#statusOf} gives it. */
  void taskEnded(String taskStatus) {
    active = Math.max(0, active - 1);
    if (taskStatus.equals("SUCCESS")) completed++;
    else if (taskStatus.equals("FAILED")) failed++;
    else killed++;
  }

  /** The attempt ended: {@link #COMPLETE} or {@link #FAILED}, at {@code time}. */
  void complete(String endStatus, long time) {
    status = endStatus;
    completionTime = time;
  }

  /**
   * The attempt as a resync frame carries it: its counts, its status ({@link #ACTIVE} with no
   * active tasks counted once it ended) and its completion time (null while active).
   */
  String toResync() {
    Json j =
        new Json()
            .put("stageId", key.stageId)
            .put("attemptId", key.attemptId)
            .put("name", name)
            .put("numTasks", numTasks)
            .put("numCompletedTasks", completed)
            .put("numFailedTasks", failed)
            .put("numActiveTasks", status.equals(ACTIVE) ? active : 0)
            .put("numKilledTasks", killed)
            .put("status", status);
    if (completionTime >= 0) j.put("completionTime", completionTime);
    else j.putNull("completionTime");
    return j.end();
  }
}
