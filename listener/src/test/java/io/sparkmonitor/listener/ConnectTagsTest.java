package io.sparkmonitor.listener;

import static io.sparkmonitor.listener.ListenerTest.DEADLINE_MS;
import static io.sparkmonitor.listener.ListenerTest.check;
import static io.sparkmonitor.listener.ListenerTest.dir;
import static io.sparkmonitor.listener.ListenerTest.jsc;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Arrays;

/** The cell and notebook of a job read from its job tags, as a Spark Connect server sets them (ConnectTags). */
final class ConnectTagsTest {
  private ConnectTagsTest() {}

  /** Job tags as the Connect server sets them for an operation of a tagged client (ExecuteHolder). */
  static final String[] SERVER_TAGS = {
    "SparkConnect_OperationTag_User_alice_Session_s-1_Operation_op-1",
    "SparkConnect_Execute_User_alice_Session_s-1_Tag_sparkmonitor-cell-c%2C1",
    "SparkConnect_Execute_User_alice_Session_s-1_Tag_sparkmonitor-kernel-k-1",
    "SparkConnect_Execute_User_alice_Session_s-1_Tag_sparkmonitor-notebook-work%2Fa%20b.ipynb",
    "SparkConnect_Execute_User_alice_Session_s-1_Tag_users-own-tag",
  };

  static void parsesTags() {
    ConnectTags t = ConnectTags.of(Arrays.asList(SERVER_TAGS));
    check("c,1".equals(t.cellId) && "k-1".equals(t.kernelId) && "work/a b.ipynb".equals(t.notebookPath),
        "cell, kernel and notebook decoded: " + t.cellId + " " + t.kernelId + " " + t.notebookPath);
    ConnectTags none = ConnectTags.of(Arrays.asList("SparkConnect_Execute_User_u_Session_s_Tag_other", "x"));
    check(none.cellId == null && !none.namesNotebook(), "other tags name nothing");
    ConnectTags bad = ConnectTags.of(Arrays.asList("sparkmonitor-cell-%zz", "sparkmonitor-kernel-"));
    check(bad.cellId == null && !bad.namesNotebook(), "a malformed escape or an empty value names nothing");
  }

  /** A real job carrying the tags: its jobStart names the cell and the notebook, even under another cell's property. */
  static void jobStartNamesTheTaggedCell() throws Exception {
    try (FakeMonitor m = new FakeMonitor(dir.resolve("tags.sock"), "good")) {
      MonitorListener l = ListenerTest.attach(m.socket, "good");
      m.next("hello", DEADLINE_MS);
      for (String tag : SERVER_TAGS) jsc.sc().addJobTag(tag);
      try {
        check(ListenerTest.runJob(2, null) == 20, "the tagged job's result");
        JsonNode start = m.next("jobStart", DEADLINE_MS);
        check(start.path("cellId").asText().equals("c,1") && start.path("kernelId").asText().equals("k-1")
            && start.path("notebookPath").asText().equals("work/a b.ipynb"), "jobStart carries the tagged cell: " + start);
        check(ListenerTest.runJob(2, "inherited-cell") == 20, "the second job's result");
        JsonNode second = m.next("jobStart", DEADLINE_MS);
        check(second.path("cellId").asText().equals("c,1"), "the tag wins over a local property: " + second);
      } finally {
        jsc.sc().clearJobTags();
        jsc.setLocalProperty("sparkmonitor.cellId", null);
      }
      check(ListenerTest.runJob(2, null) == 20, "the untagged job's result");
      JsonNode plain = m.next("jobStart", DEADLINE_MS);
      check(plain.path("cellId").isNull() && !plain.has("kernelId"), "an untagged job names no cell: " + plain);
      jsc.sc().removeSparkListener(l);
    }
  }
}
