package io.sparkmonitor.listener;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Properties;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.StageInfo;

/**
 * One job as the listener reports it: the fields of its jobStart frame (spark/event/PROTOCOL.md),
 * every text cut to its bound, and once it ended its result. Immutable ({@link #ended} returns the
 * ended job), so the sender thread may render the jobs of a resync frame outside the listener's
 * lock.
 */
final class JobState {
  static final String CELL_ID_PROPERTY = "sparkmonitor.cellId";

  /** Spark's StreamExecution.QUERY_ID_KEY (3.5 and 4.x). */
  static final String STREAM_QUERY_PROPERTY = "sql.streaming.queryId";

  final int jobId;

  /** The job's submission time. */
  final long time;

  final String name;
  final String description;
  final String jobGroup;
  final List<String> tags;

  /**
   * The cell whose code started the job (its Connect tag or the thread's local property), or null.
   */
  final String cellId;

  /** The cell the kernel was running when Spark started the job (CellMarks), or null. */
  final String runningCell;

  /**
   * The job's own kernel and notebook, from its Connect tags; both null when its tags name no
   * notebook.
   */
  final String kernelId;

  final String notebookPath;
  final Long sqlExecutionId;

  /**
   * The Structured Streaming query whose micro-batch ran this job (Spark's local property {@code
   * sql.streaming.queryId}, set on the query's own thread), or null.
   */
  final String streamQueryId;

  final List<DeclaredStage> stages;

  /** The cell line that started the job (the kernel hook's {@link CellLine}), or null. */
  final CellLine line;

  /** SUCCEEDED or FAILED once the job ended; null while it runs. */
  final String result;

  /** The failure's message (cut), or null. */
  final String error;

  /** The job's end time; meaningful once {@link #result} is set. */
  final long completionTime;

  private JobState(
      SparkListenerJobStart e,
      Properties p,
      List<String> tags,
      ConnectTags connect,
      String runningCell)
      throws Throwable {
    this.jobId = e.jobId();
    this.time = e.time();
    List<DeclaredStage> declared = new ArrayList<>();
    for (Object o : Compat.stageInfos(e)) declared.add(DeclaredStage.of((StageInfo) o));
    this.stages = Collections.unmodifiableList(declared);
    this.name = Text.cut(jobName(e), Text.SHORT);
    this.description = Text.cut(prop(p, "spark.job.description"), Text.DESCRIPTION);
    this.jobGroup = Text.cut(prop(p, "spark.jobGroup.id"), Text.SHORT);
    this.tags = tags;
    this.cellId =
        Text.cut(connect.cellId != null ? connect.cellId : prop(p, CELL_ID_PROPERTY), Text.SHORT);
    this.runningCell = Text.cut(runningCell, Text.SHORT);
    this.kernelId = connect.namesNotebook() ? Text.cut(connect.kernelId, Text.SHORT) : null;
    this.notebookPath = connect.namesNotebook() ? Text.cut(connect.notebookPath, Text.PATH) : null;
    this.sqlExecutionId = executionId(prop(p, "spark.sql.execution.id"));
    this.streamQueryId = Text.cut(prop(p, STREAM_QUERY_PROPERTY), Text.SHORT);
    this.line = CellLine.parse(prop(p, CellLine.PROPERTY));
    this.result = null;
    this.error = null;
    this.completionTime = -1;
  }

  private JobState(JobState started, String result, String error, long completionTime) {
    this.jobId = started.jobId;
    this.time = started.time;
    this.name = started.name;
    this.description = started.description;
    this.jobGroup = started.jobGroup;
    this.tags = started.tags;
    this.cellId = started.cellId;
    this.runningCell = started.runningCell;
    this.kernelId = started.kernelId;
    this.notebookPath = started.notebookPath;
    this.sqlExecutionId = started.sqlExecutionId;
    this.streamQueryId = started.streamQueryId;
    this.stages = started.stages;
    this.line = started.line;
    this.result = result;
    this.error = error;
    this.completionTime = completionTime;
  }

  /**
   * The job Spark just started; {@code runningCell} is the cell the kernel is running now, or null.
   */
  static JobState started(SparkListenerJobStart e, String runningCell) throws Throwable {
    Properties p = e.properties();
    String tagList = prop(p, "spark.job.tags");
    List<String> tags = new ArrayList<>();
    if (tagList != null) {
      for (String tag : tagList.split(",")) if (!tag.isEmpty()) tags.add(Text.cut(tag, Text.SHORT));
    }
    // A Connect operation's tag names its cell exactly; the local property may be one its thread
    // inherited (a local
    // Connect server started from a kernel's SparkContext).
    return new JobState(
        e, p, Collections.unmodifiableList(tags), ConnectTags.of(tags), runningCell);
  }

  /**
   * This job, ended with {@code result} (SUCCEEDED or FAILED) and {@code error} (null, or the cut
   * message).
   */
  JobState ended(String result, String error, long completionTime) {
    return new JobState(this, result, error, completionTime);
  }

  /** The fields of the job's jobStart frame, as a JSON object. */
  String startFields() {
    return fields(new Json()).end();
  }

  /**
   * The job as a resync frame carries it: its jobStart fields after its submission {@code time},
   * and once it ended its {@code result}, {@code error} and {@code completionTime}.
   */
  String toResync() {
    Json j = fields(new Json().put("time", time));
    if (result != null)
      j.put("result", result).put("error", error).put("completionTime", completionTime);
    return j.end();
  }

  private Json fields(Json j) {
    j.put("jobId", jobId)
        .put("name", name)
        .put("description", description)
        .put("jobGroup", jobGroup)
        .putRaw("jobTags", Json.strings(tags))
        .put("cellId", cellId)
        .put("runningCell", runningCell);
    if (kernelId != null || notebookPath != null) {
      j.put("kernelId", kernelId).put("notebookPath", notebookPath);
    }
    if (sqlExecutionId != null) j.put("sqlExecutionId", sqlExecutionId);
    else j.putNull("sqlExecutionId");
    if (streamQueryId != null) j.put("streamQueryId", streamQueryId);
    CellLine.put(j, line);
    List<String> declared = new ArrayList<>(stages.size());
    for (DeclaredStage s : stages) declared.add(s.toJson(true));
    return j.putRaw("stages", Json.array(declared));
  }

  /** The name Spark's UI gives a job: that of its last stage (its call site). */
  private static String jobName(SparkListenerJobStart e) {
    try {
      StageInfo last = null;
      for (Object o : Compat.stageInfos(e)) {
        StageInfo s = (StageInfo) o;
        if (last == null || s.stageId() > last.stageId()) last = s;
      }
      return last == null ? "job " + e.jobId() : last.name();
    } catch (Throwable t) {
      return "job " + e.jobId();
    }
  }

  /**
   * Spark SQL's execution id of the job (a long), or null: none, or not a long (the property is a
   * text anyone may set; a number that is not a long would not decode on the monitor's side
   * either).
   */
  static Long executionId(String property) {
    if (property == null || !property.matches("-?\\d{1,19}")) return null;
    try {
      return Long.parseLong(property);
    } catch (NumberFormatException notALong) {
      return null;
    }
  }

  private static String prop(Properties p, String key) {
    return p == null ? null : p.getProperty(key);
  }
}
