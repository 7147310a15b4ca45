package io.sparkmonitor.listener;

import static io.sparkmonitor.listener.LocalSpark.DEADLINE_MS;
import static io.sparkmonitor.listener.LocalSpark.dir;
import static io.sparkmonitor.listener.LocalSpark.jsc;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Arrays;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The cell and notebook of a job read from its job tags, as a Spark Connect server sets them
 * (ConnectTags).
 */
@Order(4)
@ExtendWith(LocalSpark.class)
final class ConnectTagsTest {
  /**
   * Job tags as the Connect server sets them for an operation of a tagged client (ExecuteHolder).
   */
  static final String[] SERVER_TAGS = {
    "SparkConnect_OperationTag_User_alice_Session_s-1_Operation_op-1",
    "SparkConnect_Execute_User_alice_Session_s-1_Tag_sparkmonitor-cell-c%2C1",
    "SparkConnect_Execute_User_alice_Session_s-1_Tag_sparkmonitor-kernel-k-1",
    "SparkConnect_Execute_User_alice_Session_s-1_Tag_sparkmonitor-notebook-work%2Fa%20b.ipynb",
    "SparkConnect_Execute_User_alice_Session_s-1_Tag_users-own-tag",
  };

  @Test
  @DisplayName("Spark Connect job tags: cell, kernel and notebook decoded")
  void parsesTags() {
    ConnectTags t = ConnectTags.of(Arrays.asList(SERVER_TAGS));
    assertTrue(
        "c,1".equals(t.cellId)
            && "k-1".equals(t.kernelId)
            && "work/a b.ipynb".equals(t.notebookPath),
        "cell, kernel and notebook decoded: " + t.cellId + " " + t.kernelId + " " + t.notebookPath);
    ConnectTags none =
        ConnectTags.of(Arrays.asList("SparkConnect_Execute_User_u_Session_s_Tag_other", "x"));
    assertTrue(none.cellId == null && !none.namesNotebook(), "other tags name nothing");
    ConnectTags bad =
        ConnectTags.of(Arrays.asList("sparkmonitor-cell-%zz", "sparkmonitor-kernel-"));
    assertTrue(
        bad.cellId == null && !bad.namesNotebook(),
        "a malformed escape or an empty value names nothing");
  }

  /**
   * A real job carrying the tags: its jobStart names the cell and the notebook, even under another
   * cell's property.
   */
  @Test
  @DisplayName("a job's Spark Connect tags name its cell and notebook")
  void jobStartNamesTheTaggedCell() throws Exception {
    try (FakeMonitor m = new FakeMonitor(dir.resolve("tags.sock"), "good")) {
      MonitorListener l = LocalSpark.attach(m.socket, "good");
      m.next("hello", DEADLINE_MS);
      for (String tag : SERVER_TAGS) jsc.sc().addJobTag(tag);
      try {
        assertTrue(LocalSpark.runJob(2, null) == 20, "the tagged job's result");
        JsonNode start = m.next("jobStart", DEADLINE_MS);
        assertTrue(
            start.path("cellId").asText().equals("c,1")
                && start.path("kernelId").asText().equals("k-1")
                && start.path("notebookPath").asText().equals("work/a b.ipynb"),
            "jobStart carries the tagged cell: " + start);
        assertTrue(LocalSpark.runJob(2, "inherited-cell") == 20, "the second job's result");
        JsonNode second = m.next("jobStart", DEADLINE_MS);
        assertTrue(
            second.path("cellId").asText().equals("c,1"),
            "the tag wins over a local property: " + second);
      } finally {
        jsc.sc().clearJobTags();
        jsc.setLocalProperty("sparkmonitor.cellId", null);
      }
      assertTrue(LocalSpark.runJob(2, null) == 20, "the untagged job's result");
      JsonNode plain = m.next("jobStart", DEADLINE_MS);
      assertTrue(
          plain.path("cellId").isNull() && !plain.has("kernelId"),
          "an untagged job names no cell: " + plain);
      jsc.sc().removeSparkListener(l);
    }
  }
}
