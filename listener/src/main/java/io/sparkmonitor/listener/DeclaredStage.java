package io.sparkmonitor.listener;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.spark.scheduler.StageInfo;

/**
 * A stage attempt as Spark declares it: in a job's start (each of its stages) or in a stage's
 * submission. Immutable, its name cut to {@link Text#SHORT}.
 */
final class DeclaredStage {
  final int stageId;
  final int attemptId;
  final String name;
  final int numTasks;
  final List<Integer> parentIds;

  /**
   * Spark's completion time when the stage had one at the time (a skipped stage of a job), or null.
   */
  final Long completionTime;

  private DeclaredStage(
      int stageId,
      int attemptId,
      String name,
      int numTasks,
      List<Integer> parentIds,
      Long completionTime) {
    this.stageId = stageId;
    this.attemptId = attemptId;
    this.name = name;
    this.numTasks = numTasks;
    this.parentIds = parentIds;
    this.completionTime = completionTime;
  }

  static DeclaredStage of(StageInfo s) throws Throwable {
    List<Integer> parents = new ArrayList<>();
    for (Object p : Compat.parentIds(s)) parents.add(((Number) p).intValue());
    Long completion = s.completionTime().isDefined() ? (Long) s.completionTime().get() : null;
    return new DeclaredStage(
        s.stageId(),
        s.attemptNumber(),
        Text.cut(s.name(), Text.SHORT),
        s.numTasks(),
        Collections.unmodifiableList(parents),
        completion);
  }

  /**
   * The stage's fields as a JSON object: those of a stageSubmitted frame, and with {@code
   * completionTime} (null for none) those of a stage in a jobStart frame.
   */
  String toJson(boolean withCompletion) {
    List<String> parents = new ArrayList<>(parentIds.size());
    for (Integer p : parentIds) parents.add(String.valueOf(p));
    Json j =
        new Json()
            .put("stageId", stageId)
            .put("attemptId", attemptId)
            .put("name", name)
            .put("numTasks", numTasks)
            .putRaw("parentIds", Json.array(parents));
    if (withCompletion) {
      if (completionTime != null) j.put("completionTime", completionTime);
      else j.putNull("completionTime");
    }
    return j.end();
  }
}
