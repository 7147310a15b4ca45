package io.sparkmonitor.listener;

import org.apache.spark.executor.TaskMetrics;
import org.apache.spark.scheduler.TaskInfo;

/**
 * The fields of the taskStart and taskEnd frames (spark/event/PROTOCOL.md), from Spark's task
 * events.
 */
final class TaskFields {
  private TaskFields() {}

  /** A task end's metrics as a JSON object, or null. */
  static String metrics(TaskMetrics m) {
    if (m == null) return "null";
    return new Json()
        .put("executorRunTime", m.executorRunTime())
        .put("executorCpuTime", m.executorCpuTime())
        .put("inputBytes", m.inputMetrics().bytesRead())
        .put("inputRecords", m.inputMetrics().recordsRead())
        .put("outputBytes", m.outputMetrics().bytesWritten())
        .put("outputRecords", m.outputMetrics().recordsWritten())
        .put("shuffleReadBytes", m.shuffleReadMetrics().totalBytesRead())
        .put("shuffleReadRecords", m.shuffleReadMetrics().recordsRead())
        .put("shuffleWriteBytes", m.shuffleWriteMetrics().bytesWritten())
        .put("shuffleWriteRecords", m.shuffleWriteMetrics().recordsWritten())
        .put("memoryBytesSpilled", m.memoryBytesSpilled())
        .put("diskBytesSpilled", m.diskBytesSpilled())
        .put("jvmGcTime", m.jvmGCTime())
        .put("resultSize", m.resultSize())
        .end();
  }

  /**
   * Adds a task's identity to a frame: its stage attempt, id, index, attempt, executor, host,
   * speculation.
   */
  static Json task(Json f, int stageId, int stageAttempt, TaskInfo ti) {
    return f.put("stageId", stageId)
        .put("stageAttemptId", stageAttempt)
        .put("taskId", ti.taskId())
        .put("index", ti.index())
        .put("attempt", ti.attemptNumber())
        .put("executorId", Text.cut(ti.executorId(), Text.SHORT))
        .put("host", Text.cut(ti.host(), Text.SHORT))
        .put("speculative", ti.speculative());
  }
}
