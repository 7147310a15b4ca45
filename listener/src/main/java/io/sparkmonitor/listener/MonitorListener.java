package io.sparkmonitor.listener;

import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.Success$;
import org.apache.spark.TaskCommitDenied;
import org.apache.spark.TaskEndReason;
import org.apache.spark.TaskFailedReason;
import org.apache.spark.TaskKilled;
import org.apache.spark.scheduler.JobFailed;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerApplicationEnd;
import org.apache.spark.scheduler.SparkListenerApplicationStart;
import org.apache.spark.scheduler.SparkListenerEvent;
import org.apache.spark.scheduler.SparkListenerExecutorAdded;
import org.apache.spark.scheduler.SparkListenerExecutorRemoved;
import org.apache.spark.scheduler.SparkListenerJobEnd;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerStageCompleted;
import org.apache.spark.scheduler.SparkListenerStageSubmitted;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.SparkListenerTaskStart;
import org.apache.spark.scheduler.StageInfo;
import org.apache.spark.scheduler.TaskInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns Spark listener events into protocol frames (spark/event/PROTOCOL.md). Every callback only
 * copies fields into a string and offers it to the {@link Sender}'s bounded queue: it never blocks
 * the listener bus and never throws. The callbacks that change what a resync frame says (jobs,
 * stages, task counts, executors) also update {@link LiveState} ({@link JobState}, {@link
 * StageState}), under one lock with taking the frame's seq and offering it.
 *
 * <p>Scala collections are never named in a method signature used here (they differ between Scala
 * 2.12 and 2.13): {@link Compat} reaches them, so one jar serves Spark 3.5 and 4.x.
 */
public final class MonitorListener extends SparkListener {
  private static final Logger LOG = LoggerFactory.getLogger(MonitorListener.class);

  /** How long the end of the application may wait for queued events to reach the monitor. */
  static final long FLUSH_AT_END_MS = 2000;

  /**
   * Bytes of the resync frame given to finished jobs and completed stages (the monitor refuses
   * frames over 1 MiB).
   */
  static final int RESYNC_HISTORY_BYTES = 640 * 1024;

  private final AtomicLong seq = new AtomicLong();
  private Sender sender;
  private Control control;
  private volatile boolean failedOnce, warnedForgotten;
  // State for the resync frame after a reconnect: changed on the bus thread, read by the sender
  // thread. The callbacks
  // that change it do so, take their frame's seq and offer the frame under `lock`; the resync takes
  // its snapshot and
  // the last seq under `lock`: so a resync covers exactly the events up to its seq (those after it
  // are sent after it,
  // none counted twice).
  private final Object lock = new Object();
  private final LiveState state = new LiveState(); // guarded by lock
  private final SqlExecutions sql = new SqlExecutions();
  private final SqlPlans plans = new SqlPlans(MonitorListener.class.getClassLoader());
  // When each execution's plan was last sent (sqlPlan requests, at most one a second each).
  private final java.util.Map<Long, Long> planSent = new java.util.concurrent.ConcurrentHashMap<>();

  /** The least time between two sqlPlan frames of one execution, and the executions remembered. */
  static final long PLAN_INTERVAL_MS = 1000;

  static final int MAX_PLAN_EXECUTIONS = 1000;
  // When each execution ended (its last plan is final a PLAN_INTERVAL_MS later), and the thread
  // that sends the last plan of the executions the monitor asked about.
  private final java.util.Map<Long, Long> planEnded = new java.util.concurrent.ConcurrentHashMap<>();
  private final FinalPlans finalPlans = new FinalPlans();
  // The cell the kernel is running, from the kernel hook's marks on the bus (CellMarks); null
  // between cells.
  private volatile String runningCell;

  Control control() {
    return control;
  }

  void attach(Sender sender, Control control) {
    this.sender = sender;
    this.control = control;
  }

  private Json frame(String type, long time) {
    return new Json().put("type", type).put("seq", seq.incrementAndGet()).put("time", time);
  }

  private void emit(String type, Json json) {
    emit(type, json.end());
  }

  private void emit(String type, String json) {
    Sender s = sender;
    if (s != null) s.offer(seq.get(), type, json);
  }

  /** A frame header followed by already-serialised fields ({@code body} is a JSON object). */
  private String frameWith(String type, long time, String body) {
    String head = frame(type, time).end();
    return head.substring(0, head.length() - 1) + "," + body.substring(1);
  }

  /**
   * The monitor asked for a SQL execution's plan (control frame {@code sqlPlan}, the connection's
   * reader thread, never the listener bus): a {@code sqlPlan} frame with its operators and their
   * metrics as they are now (SqlPlans), at most one a second per execution; nothing when Spark has
   * no such execution or no SQL status store.
   */
  void planRequested(long executionId) {
    long now = System.currentTimeMillis();
    Long last = planSent.get(executionId);
    if (last != null && now - last < PLAN_INTERVAL_MS) return;
    if (planSent.size() >= MAX_PLAN_EXECUTIONS) planSent.clear();
    planSent.put(executionId, now);
    Long ended = planEnded.get(executionId);
    if (!sendPlan(executionId, ended != null && now - ended >= PLAN_INTERVAL_MS))
      retryPlan(executionId, PLAN_RETRIES);
  }

  /**
   * A request that came before Spark's SQL status listener (another listener queue) knew the
   * execution: asked again every PLAN_RETRY_MS on the plan thread, at most {@code left} times.
   */
  static final int PLAN_RETRIES = 10;

  static final long PLAN_RETRY_MS = 100;

  private void retryPlan(long executionId, int left) {
    if (left <= 0) return;
    finalPlans.schedule(
        () -> {
          if (!sendPlan(executionId, false)) retryPlan(executionId, left - 1);
        },
        PLAN_RETRY_MS);
  }

  /**
   * A sqlPlan frame of the execution as it is now; {@code last}: its final metrics. False when
   * Spark's store has no such execution (yet).
   */
  private boolean sendPlan(long executionId, boolean last) {
    long now = System.currentTimeMillis();
    String body = plans.snapshot(executionId);
    if (body == null) return false;
    emit("sqlPlan", frameWith("sqlPlan", now, "{\"final\":" + last + "," + body.substring(1)));
    return true;
  }

  /**
   * An execution ended (the listener bus): when the monitor asked for its plan, its last plan is
   * sent a PLAN_INTERVAL_MS later from FinalPlans' thread, so the monitor keeps the final metrics.
   */
  private void planExecutionEnded(long executionId) {
    if (planEnded.size() >= MAX_PLAN_EXECUTIONS) planEnded.clear();
    planEnded.put(executionId, System.currentTimeMillis());
    if (!planSent.containsKey(executionId)) return;
    finalPlans.schedule(
        () -> {
          planSent.put(executionId, System.currentTimeMillis());
          sendPlan(executionId, true);
        },
        PLAN_INTERVAL_MS);
  }

  private void guard(String what, Throwable t) {
    if (!failedOnce) {
      failedOnce = true;
      LOG.warn(
          "SparkMonitor: ignoring an error while handling {} (reported once): {}",
          what,
          t.toString());
    }
  }

  /**
   * Warns once when the live tables forgot entries over their bounds (Spark dropped their ends).
   * Under lock.
   */
  private void checkForgotten() {
    if (!warnedForgotten && state.forgottenLive() > 0) {
      warnedForgotten = true;
      LOG.warn(
          "SparkMonitor: more than {} live jobs or {} active stages (Spark dropped their ends?); a"
              + " resync forgets the oldest",
          LiveState.MAX_LIVE_JOBS,
          LiveState.MAX_ACTIVE_STAGES);
    }
  }

  @Override
  public void onApplicationStart(SparkListenerApplicationStart e) {
    try {
      emit(
          "appStart",
          frame("appStart", e.time())
              .put("appId", Text.cut(opt(e.appId()), Text.SHORT))
              .put("attemptId", Text.cut(opt(e.appAttemptId()), Text.SHORT))
              .put("appName", Text.cut(e.appName(), Text.SHORT))
              .put("sparkUser", Text.cut(e.sparkUser(), Text.SHORT)));
    } catch (Throwable t) {
      guard("applicationStart", t);
    }
  }

  @Override
  public void onApplicationEnd(SparkListenerApplicationEnd e) {
    try {
      emit("appEnd", frame("appEnd", e.time()));
      Sender s = sender;
      if (s != null) s.flushAndStop(FLUSH_AT_END_MS);
    } catch (Throwable t) {
      guard("applicationEnd", t);
    }
  }

  @Override
  public void onJobStart(SparkListenerJobStart e) {
    try {
      JobState job = JobState.started(e, runningCell);
      String body = job.startFields();
      Control c = control;
      if (c != null) c.jobStarted(job.jobId, job.cellId);
      synchronized (lock) {
        state.jobStarted(job);
        checkForgotten();
        emit("jobStart", frameWith("jobStart", e.time(), body));
      }
    } catch (Throwable t) {
      guard("jobStart", t);
    }
  }

  @Override
  public void onJobEnd(SparkListenerJobEnd e) {
    try {
      Control c = control;
      if (c != null) c.jobEnded(e.jobId());
      String result = "SUCCEEDED", error = null;
      if (e.jobResult() instanceof JobFailed) {
        Exception ex = ((JobFailed) e.jobResult()).exception();
        result = "FAILED";
        error = ex == null ? "failed" : Text.cut(String.valueOf(ex.getMessage()), Text.REASON);
      }
      synchronized (lock) {
        state.jobEnded(e.jobId(), result, error, e.time());
        emit(
            "jobEnd",
            frame("jobEnd", e.time())
                .put("jobId", e.jobId())
                .put("result", result)
                .put("error", error));
      }
    } catch (Throwable t) {
      guard("jobEnd", t);
    }
  }

  @Override
  public void onStageSubmitted(SparkListenerStageSubmitted e) {
    try {
      StageInfo s = e.stageInfo();
      long time =
          s.submissionTime().isDefined()
              ? (Long) s.submissionTime().get()
              : System.currentTimeMillis();
      DeclaredStage declared = DeclaredStage.of(s);
      String body = declared.toJson(false);
      StageState stage =
          new StageState(
              new StageAttempt(s.stageId(), s.attemptNumber()), declared.name, s.numTasks());
      synchronized (lock) {
        state.stageSubmitted(stage);
        checkForgotten();
        emit("stageSubmitted", frameWith("stageSubmitted", time, body));
      }
    } catch (Throwable t) {
      guard("stageSubmitted", t);
    }
  }

  @Override
  public void onStageCompleted(SparkListenerStageCompleted e) {
    try {
      StageInfo s = e.stageInfo();
      long time =
          s.completionTime().isDefined()
              ? (Long) s.completionTime().get()
              : System.currentTimeMillis();
      boolean failed = s.failureReason().isDefined();
      String status = failed ? StageState.FAILED : StageState.COMPLETE;
      String reason = failed ? Text.cut(s.failureReason().get(), Text.REASON) : null;
      synchronized (lock) {
        state.stageCompleted(new StageAttempt(s.stageId(), s.attemptNumber()), status, time);
        emit(
            "stageCompleted",
            frame("stageCompleted", time)
                .put("stageId", s.stageId())
                .put("attemptId", s.attemptNumber())
                .put("status", status)
                .put("failureReason", reason)
                .put("numTasks", s.numTasks()));
      }
    } catch (Throwable t) {
      guard("stageCompleted", t);
    }
  }

  @Override
  public void onTaskStart(SparkListenerTaskStart e) {
    try {
      TaskInfo ti = e.taskInfo();
      StageAttempt key = new StageAttempt(e.stageId(), e.stageAttemptId());
      synchronized (lock) {
        state.taskStarted(key);
        emit(
            "taskStart",
            TaskFields.task(
                frame("taskStart", ti.launchTime()), e.stageId(), e.stageAttemptId(), ti));
      }
    } catch (Throwable t) {
      guard("taskStart", t);
    }
  }

  @Override
  public void onTaskEnd(SparkListenerTaskEnd e) {
    try {
      TaskInfo ti = e.taskInfo();
      String status = statusOf(e.reason());
      String reason = null;
      if (!status.equals("SUCCESS") && e.reason() instanceof TaskFailedReason) {
        reason = Text.cut(((TaskFailedReason) e.reason()).toErrorString(), Text.REASON);
      }
      String metrics = TaskFields.metrics(e.taskMetrics());
      long time = ti.finishTime() > 0 ? ti.finishTime() : System.currentTimeMillis();
      StageAttempt key = new StageAttempt(e.stageId(), e.stageAttemptId());
      synchronized (lock) {
        state.taskEnded(key, status);
        emit(
            "taskEnd",
            TaskFields.task(frame("taskEnd", time), e.stageId(), e.stageAttemptId(), ti)
                .put("launchTime", ti.launchTime())
                .put("status", status)
                .put("reason", reason)
                .putRaw("metrics", metrics));
      }
    } catch (Throwable t) {
      guard("taskEnd", t);
    }
  }

  /**
   * A task end's status as Spark's own status store counts it (AppStatusListener.onTaskEnd): by its
   * reason alone. Not by its TaskInfo: when an executor is lost, Spark posts {@code Resubmitted}
   * for the finished map tasks whose output was there, with their original, successful TaskInfo;
   * Spark counts those as failed.
   */
  static String statusOf(TaskEndReason reason) {
    if (reason instanceof Success$) return "SUCCESS";
    if (reason instanceof TaskKilled || reason instanceof TaskCommitDenied) return "KILLED";
    return "FAILED";
  }

  @Override
  public void onExecutorAdded(SparkListenerExecutorAdded e) {
    try {
      String id = Text.cut(e.executorId(), Text.SHORT),
          host = Text.cut(e.executorInfo().executorHost(), Text.SHORT);
      int cores = e.executorInfo().totalCores();
      synchronized (lock) {
        state.executorAdded(e.executorId(), new LiveState.Executor(id, host, cores));
        emit(
            "executorAdded",
            frame("executorAdded", e.time())
                .put("executorId", id)
                .put("host", host)
                .put("cores", cores));
      }
    } catch (Throwable t) {
      guard("executorAdded", t);
    }
  }

  @Override
  public void onExecutorRemoved(SparkListenerExecutorRemoved e) {
    try {
      synchronized (lock) {
        state.executorRemoved(e.executorId());
        emit(
            "executorRemoved",
            frame("executorRemoved", e.time())
                .put("executorId", Text.cut(e.executorId(), Text.SHORT))
                .put("reason", Text.cut(e.reason(), Text.REASON)));
      }
    } catch (Throwable t) {
      guard("executorRemoved", t);
    }
  }

  /**
   * Spark SQL's query executions (spark-sql events, read by reflection: see {@link SqlExecutions}).
   */
  @Override
  public void onOtherEvent(SparkListenerEvent e) {
    try {
      if (e instanceof CellMarks.Mark) {
        cellMark((CellMarks.Mark) e);
        return;
      }
      SqlExecutions.Frame f = sql.frame(e);
      if (f != null) emit(f.type(), frameWith(f.type(), f.time(), f.body()));
      if (f != null && f.type().equals("sqlEnd"))
        planExecutionEnded((Long) SqlExecutions.get(e, "executionId"));
    } catch (Throwable t) {
      guard("a SQL execution event", t);
    }
  }

  /**
   * The kernel started or ended a cell: the jobs Spark starts from now on get it as their
   * runningCell.
   */
  private void cellMark(CellMarks.Mark m) {
    if (m.isStart()) {
      runningCell = m.getCellId();
    } else if (runningCell == null || runningCell.equals(m.getCellId())) {
      runningCell = null;
    }
  }

  /**
   * The resync frame (spark/event/PROTOCOL.md): live jobs, finished jobs and stages (active ones,
   * and completed ones with their final counts), executors and running SQL executions as the
   * listener knows them now, and the seq of the last event it covers: read under the same lock as
   * the state, so the events after it are exactly those it does not count. Rendered outside the
   * lock (only the active stages' counts are rendered under it).
   */
  Sender.Resync resync() {
    long upTo;
    LiveState.Snapshot snapshot;
    synchronized (lock) {
      upTo = seq.get();
      snapshot = state.snapshot();
    }
    return new Sender.Resync(
        upTo,
        snapshot.render(upTo, System.currentTimeMillis(), sql.running(), RESYNC_HISTORY_BYTES));
  }

  private static String opt(scala.Option<?> o) {
    return o != null && o.isDefined() ? String.valueOf(o.get()) : null;
  }
}
