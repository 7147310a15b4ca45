package io.sparkmonitor.listener;

/** Names one attempt of a stage: the key of the listener's stage tables. Immutable. */
final class StageAttempt {
  final int stageId;
  final int attemptId;

  StageAttempt(int stageId, int attemptId) {
    this.stageId = stageId;
    this.attemptId = attemptId;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof StageAttempt)) return false;
    StageAttempt other = (StageAttempt) o;
    return stageId == other.stageId && attemptId == other.attemptId;
  }

  @Override
  public int hashCode() {
    return 31 * stageId + attemptId;
  }

  @Override
  public String toString() {
    return stageId + "." + attemptId;
  }
}
