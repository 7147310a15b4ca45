package io.sparkmonitor.listener;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.Success$;
import org.apache.spark.TaskCommitDenied;
import org.apache.spark.TaskEndReason;
import org.apache.spark.TaskFailedReason;
import org.apache.spark.TaskKilled;
import org.apache.spark.executor.TaskMetrics;
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
 * Turns Spark listener events into protocol frames (spark/event/PROTOCOL.md). Every callback only copies fields into
 * a string and offers it to the {@link Sender}'s bounded queue: it never blocks the listener bus and never throws.
 *
 * <p>Scala collections are never named in a method signature used here (they differ between Scala 2.12 and 2.13):
 * {@link Compat} reaches them, so one jar serves Spark 3.5 and 4.x.
 */
public final class MonitorListener extends SparkListener {
  private static final Logger LOG = LoggerFactory.getLogger(MonitorListener.class);
  static final String CELL_ID_PROPERTY = "sparkmonitor.cellId";
  /** How long the end of the application may wait for queued events to reach the monitor. */
  static final long FLUSH_AT_END_MS = 2000;
  /** Finished jobs and completed stage attempts remembered for the resync frame (the oldest are forgotten first). */
  static final int MAX_FINISHED_JOBS = 1000, MAX_DONE_STAGES = 2000;
  /** Bytes of the resync frame given to finished jobs and completed stages (the monitor refuses frames over 1 MiB). */
  static final int RESYNC_HISTORY_BYTES = 640 * 1024;

  private final AtomicLong seq = new AtomicLong();
  private Sender sender;
  private Control control;
  private volatile boolean failedOnce;
  // State for the resync frame after a reconnect: written on the bus thread, read by the sender thread. The counting
  // callbacks update it and offer their frame under `lock`, and the resync reads it and the last seq under `lock`,
  // so a resync covers exactly the events up to its seq (those after it are sent after it, none counted twice).
  private final Object lock = new Object();
  private final Map<Integer, String> liveJobs = new LinkedHashMap<>(); // jobStart bodies with their time
  private final Map<String, int[]> activeStages = new LinkedHashMap<>(); // "id.attempt" -> numTasks, done, failed, active, killed
  private final Map<String, String> stageNames = new LinkedHashMap<>();
  // Ended jobs (jobStart body + result, error, completionTime) and completed stage attempts (resync stage objects), so
  // that a monitor that restarted shows the jobs it missed, with their task counts. Oldest first; bounded.
  private final LinkedHashMap<Integer, String> finishedJobs = new LinkedHashMap<>();
  private final LinkedHashMap<String, String> doneStages = new LinkedHashMap<>();
  private final Map<String, String> executors = new ConcurrentHashMap<>();
  private final SqlExecutions sql = new SqlExecutions();
  // The cell the kernel is running, from the kernel hook's marks on the bus (CellMarks); null between cells.
  private volatile String runningCell;

  Control control() { return control; }

  void attach(Sender sender, Control control) {
    this.sender = sender;
    this.control = control;
  }

  private Json frame(String type, long time) {
    return new Json().put("type", type).put("seq", seq.incrementAndGet()).put("time", time);
  }

  private void emit(String type, Json json) { emit(type, json.end()); }

  private void emit(String type, String json) {
    Sender s = sender;
    if (s != null) s.offer(seq.get(), type, json);
  }

  /** A frame header followed by already-serialised fields ({@code body} is a JSON object). */
  private String frameWith(String type, long time, String body) {
    String head = frame(type, time).end();
    return head.substring(0, head.length() - 1) + "," + body.substring(1);
  }

  private void guard(String what, Throwable t) {
    if (!failedOnce) {
      failedOnce = true;
      LOG.warn("SparkMonitor: ignoring an error while handling {} (reported once): {}", what, t.toString());
    }
  }

  @Override
  public void onApplicationStart(SparkListenerApplicationStart e) {
    try {
      emit("appStart", frame("appStart", e.time()).put("appId", Text.cut(opt(e.appId()), Text.SHORT))
          .put("attemptId", Text.cut(opt(e.appAttemptId()), Text.SHORT)).put("appName", Text.cut(e.appName(), Text.SHORT))
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
      Properties p = e.properties();
      List<String> stages = new ArrayList<>();
      for (Object o : Compat.stageInfos(e)) stages.add(stageInfo((StageInfo) o, true));
      String sqlId = prop(p, "spark.sql.execution.id");
      String tags = prop(p, "spark.job.tags");
      List<String> tagList = new ArrayList<>();
      if (tags != null) for (String tag : tags.split(",")) if (!tag.isEmpty()) tagList.add(Text.cut(tag, Text.SHORT));
      // A Connect operation's tag names its cell exactly; the local property may be one its thread inherited (a local
      // Connect server started from a kernel's SparkContext).
      ConnectTags connect = ConnectTags.of(tagList);
      String cellId = Text.cut(connect.cellId != null ? connect.cellId : prop(p, CELL_ID_PROPERTY), Text.SHORT);
      Json body = new Json().put("jobId", e.jobId()).put("name", Text.cut(jobName(e, p), Text.SHORT))
          .put("description", Text.cut(prop(p, "spark.job.description"), Text.DESCRIPTION))
          .put("jobGroup", Text.cut(prop(p, "spark.jobGroup.id"), Text.SHORT)).putRaw("jobTags", Json.strings(tagList))
          .put("cellId", cellId).put("runningCell", Text.cut(runningCell, Text.SHORT));
      if (connect.namesNotebook()) {
        body.put("kernelId", Text.cut(connect.kernelId, Text.SHORT))
            .put("notebookPath", Text.cut(connect.notebookPath, Text.PATH));
      }
      if (sqlId != null && sqlId.matches("-?\\d+")) body.putRaw("sqlExecutionId", sqlId); else body.putNull("sqlExecutionId");
      body.putRaw("stages", Json.array(stages));
      String json = body.end();
      Control c = control;
      if (c != null) c.jobStarted(e.jobId(), cellId);
      synchronized (lock) {
        liveJobs.put(e.jobId(), "{\"time\":" + e.time() + "," + json.substring(1));
        emit("jobStart", frameWith("jobStart", e.time(), json));
      }
    } catch (Throwable t) {
      guard("jobStart", t);
    }
  }

  private static String jobName(SparkListenerJobStart e, Properties p) {
    try {
      Object last = null;
      int best = -1;
      for (Object o : Compat.stageInfos(e)) {
        StageInfo s = (StageInfo) o;
        if (s.stageId() > best) {
          best = s.stageId();
          last = s;
        }
      }
      return last == null ? "job " + e.jobId() : ((StageInfo) last).name();
    } catch (Throwable t) {
      return "job " + e.jobId();
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
        String started = liveJobs.remove(e.jobId());
        if (started != null) {
          String end = new Json().put("result", result).put("error", error).put("completionTime", e.time()).end();
          finishedJobs.put(e.jobId(), started.substring(0, started.length() - 1) + "," + end.substring(1));
          trim(finishedJobs, MAX_FINISHED_JOBS);
        }
        emit("jobEnd", frame("jobEnd", e.time()).put("jobId", e.jobId()).put("result", result).put("error", error));
      }
    } catch (Throwable t) {
      guard("jobEnd", t);
    }
  }

  @Override
  public void onStageSubmitted(SparkListenerStageSubmitted e) {
    try {
      StageInfo s = e.stageInfo();
      String key = s.stageId() + "." + s.attemptNumber();
      long time = s.submissionTime().isDefined() ? (Long) s.submissionTime().get() : System.currentTimeMillis();
      String body = stageInfo(s, false);
      synchronized (lock) {
        activeStages.put(key, new int[] {s.numTasks(), 0, 0, 0, 0});
        stageNames.put(key, Text.cut(s.name(), Text.SHORT));
        doneStages.remove(key);
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
      String key = s.stageId() + "." + s.attemptNumber();
      long time = s.completionTime().isDefined() ? (Long) s.completionTime().get() : System.currentTimeMillis();
      boolean failed = s.failureReason().isDefined();
      String status = failed ? "FAILED" : "COMPLETE";
      synchronized (lock) {
        int[] c = activeStages.remove(key);
        stageNames.remove(key);
        if (c != null) {
          doneStages.put(key, stageCounts(s.stageId(), s.attemptNumber(), Text.cut(s.name(), Text.SHORT), c, status, time));
          trim(doneStages, MAX_DONE_STAGES);
        }
        emit("stageCompleted", frame("stageCompleted", time).put("stageId", s.stageId()).put("attemptId", s.attemptNumber())
            .put("status", status).put("failureReason", failed ? Text.cut(s.failureReason().get(), Text.REASON) : null)
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
      synchronized (lock) {
        int[] c = activeStages.get(e.stageId() + "." + e.stageAttemptId());
        if (c != null) c[3]++;
        emit("taskStart", task(frame("taskStart", ti.launchTime()), e.stageId(), e.stageAttemptId(), ti));
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
      if (!status.equals("SUCCESS") && e.reason() instanceof TaskFailedReason) reason = Text.cut(((TaskFailedReason) e.reason()).toErrorString(), Text.REASON);
      Json f = task(frame("taskEnd", ti.finishTime() > 0 ? ti.finishTime() : System.currentTimeMillis()), e.stageId(),
          e.stageAttemptId(), ti).put("launchTime", ti.launchTime()).put("status", status).put("reason", reason);
      TaskMetrics m = e.taskMetrics();
      if (m == null) {
        f.putNull("metrics");
      } else {
        f.putRaw("metrics", new Json().put("executorRunTime", m.executorRunTime()).put("executorCpuTime", m.executorCpuTime())
            .put("inputBytes", m.inputMetrics().bytesRead()).put("inputRecords", m.inputMetrics().recordsRead())
            .put("outputBytes", m.outputMetrics().bytesWritten()).put("outputRecords", m.outputMetrics().recordsWritten())
            .put("shuffleReadBytes", m.shuffleReadMetrics().totalBytesRead())
            .put("shuffleReadRecords", m.shuffleReadMetrics().recordsRead())
            .put("shuffleWriteBytes", m.shuffleWriteMetrics().bytesWritten())
            .put("shuffleWriteRecords", m.shuffleWriteMetrics().recordsWritten())
            .put("memoryBytesSpilled", m.memoryBytesSpilled()).put("diskBytesSpilled", m.diskBytesSpilled())
            .put("jvmGcTime", m.jvmGCTime()).put("resultSize", m.resultSize()).end());
      }
      synchronized (lock) {
        int[] c = activeStages.get(e.stageId() + "." + e.stageAttemptId());
        if (c != null) {
          c[3] = Math.max(0, c[3] - 1);
          if (status.equals("SUCCESS")) c[1]++; else if (status.equals("FAILED")) c[2]++; else c[4]++;
        }
        emit("taskEnd", f.end());
      }
    } catch (Throwable t) {
      guard("taskEnd", t);
    }
  }

  /**
   * A task end's status as Spark's own status store counts it (AppStatusListener.onTaskEnd): by its reason alone.
   * Not by its TaskInfo: when an executor is lost, Spark posts {@code Resubmitted} for the finished map tasks whose
   * output was there, with their original, successful TaskInfo; Spark counts those as failed.
   */
  static String statusOf(TaskEndReason reason) {
    if (reason instanceof Success$) return "SUCCESS";
    if (reason instanceof TaskKilled || reason instanceof TaskCommitDenied) return "KILLED";
    return "FAILED";
  }

  @Override
  public void onExecutorAdded(SparkListenerExecutorAdded e) {
    try {
      String id = Text.cut(e.executorId(), Text.SHORT), host = Text.cut(e.executorInfo().executorHost(), Text.SHORT);
      String body = new Json().put("executorId", id).put("host", host).put("cores", e.executorInfo().totalCores()).end();
      executors.put(e.executorId(), body);
      emit("executorAdded", frame("executorAdded", e.time()).put("executorId", id).put("host", host)
          .put("cores", e.executorInfo().totalCores()));
    } catch (Throwable t) {
      guard("executorAdded", t);
    }
  }

  @Override
  public void onExecutorRemoved(SparkListenerExecutorRemoved e) {
    try {
      executors.remove(e.executorId());
      emit("executorRemoved", frame("executorRemoved", e.time()).put("executorId", Text.cut(e.executorId(), Text.SHORT))
          .put("reason", Text.cut(e.reason(), Text.REASON)));
    } catch (Throwable t) {
      guard("executorRemoved", t);
    }
  }

  /** Spark SQL's query executions (spark-sql events, read by reflection: see {@link SqlExecutions}). */
  @Override
  public void onOtherEvent(SparkListenerEvent e) {
    try {
      if (e instanceof CellMarks.Mark) {
        cellMark((CellMarks.Mark) e);
        return;
      }
      SqlExecutions.Frame f = sql.frame(e);
      if (f != null) emit(f.type(), frameWith(f.type(), f.time(), f.body()));
    } catch (Throwable t) {
      guard("a SQL execution event", t);
    }
  }

  /** The kernel started or ended a cell: the jobs Spark starts from now on get it as their runningCell. */
  private void cellMark(CellMarks.Mark m) {
    if (m.isStart()) {
      runningCell = m.getCellId();
    } else if (runningCell == null || runningCell.equals(m.getCellId())) {
      runningCell = null;
    }
  }

  /**
   * The resync frame (spark/event/PROTOCOL.md): live jobs, finished jobs and stages (active ones, and completed ones
   * with their final counts), executors and running SQL executions as the listener knows them now. {@code upTo[0]} is
   * set to the seq of the last event it covers: read under the same lock as the counts, so the events after it are
   * exactly those it does not count.
   */
  String resync(long[] upTo) {
    List<String> jobs, finished = new ArrayList<>(), stages = new ArrayList<>();
    synchronized (lock) {
      upTo[0] = seq.get();
      jobs = new ArrayList<>(liveJobs.values());
      for (Map.Entry<String, int[]> en : activeStages.entrySet()) {
        String[] k = en.getKey().split("\\.");
        stages.add(stageCounts(Integer.parseInt(k[0]), Integer.parseInt(k[1]), stageNames.getOrDefault(en.getKey(), ""),
            en.getValue(), "ACTIVE", -1));
      }
      // The newest finished jobs and completed stages first, within the byte budget.
      int budget = RESYNC_HISTORY_BYTES;
      budget = newestFirst(new ArrayList<>(doneStages.values()), stages, budget);
      newestFirst(new ArrayList<>(finishedJobs.values()), finished, budget);
    }
    return new Json().put("type", "resync").put("seq", upTo[0]).put("time", System.currentTimeMillis())
        .putRaw("jobs", Json.array(jobs)).putRaw("finishedJobs", Json.array(finished))
        .putRaw("stages", Json.array(stages))
        .putRaw("executors", Json.array(new ArrayList<>(executors.values())))
        .putRaw("sqlExecutions", Json.array(sql.running())).end();
  }

  /** Adds the items of {@code oldestFirst} to {@code out}, newest first, while they fit in {@code budget} bytes. */
  private static int newestFirst(List<String> oldestFirst, List<String> out, int budget) {
    for (int i = oldestFirst.size() - 1; i >= 0; i--) {
      String item = oldestFirst.get(i);
      int size = item.getBytes(StandardCharsets.UTF_8).length + 1;
      if (size > budget) break;
      budget -= size;
      out.add(item);
    }
    return budget;
  }

  /** A resync stage object; {@code c} is numTasks, completed, failed, active, killed; completionTime -1 for none. */
  private static String stageCounts(int stageId, int attemptId, String name, int[] c, String status, long completionTime) {
    Json j = new Json().put("stageId", stageId).put("attemptId", attemptId).put("name", name).put("numTasks", c[0])
        .put("numCompletedTasks", c[1]).put("numFailedTasks", c[2]).put("numActiveTasks", status.equals("ACTIVE") ? c[3] : 0)
        .put("numKilledTasks", c[4]).put("status", status);
    if (completionTime >= 0) j.put("completionTime", completionTime); else j.putNull("completionTime");
    return j.end();
  }

  /** Forgets the oldest entries beyond {@code max}, 10% at a time. */
  private static void trim(LinkedHashMap<?, ?> map, int max) {
    if (map.size() <= max) return;
    int remove = map.size() - max + max / 10;
    Iterator<?> it = map.keySet().iterator();
    while (remove-- > 0 && it.hasNext()) {
      it.next();
      it.remove();
    }
  }

  private static Json task(Json f, int stageId, int stageAttempt, TaskInfo ti) {
    return f.put("stageId", stageId).put("stageAttemptId", stageAttempt).put("taskId", ti.taskId()).put("index", ti.index())
        .put("attempt", ti.attemptNumber()).put("executorId", Text.cut(ti.executorId(), Text.SHORT))
        .put("host", Text.cut(ti.host(), Text.SHORT))
        .put("speculative", ti.speculative());
  }

  private static String stageInfo(StageInfo s, boolean withCompletion) throws Throwable {
    List<String> parents = new ArrayList<>();
    for (Object p : Compat.parentIds(s)) parents.add(String.valueOf(p));
    Json j = new Json().put("stageId", s.stageId()).put("attemptId", s.attemptNumber()).put("name", Text.cut(s.name(), Text.SHORT))
        .put("numTasks", s.numTasks()).putRaw("parentIds", Json.array(parents));
    if (withCompletion) {
      if (s.completionTime().isDefined()) j.put("completionTime", (Long) s.completionTime().get());
      else j.putNull("completionTime");
    }
    return j.end();
  }

  private static String prop(Properties p, String key) { return p == null ? null : p.getProperty(key); }

  private static String opt(scala.Option<?> o) { return o != null && o.isDefined() ? String.valueOf(o.get()) : null; }
}
