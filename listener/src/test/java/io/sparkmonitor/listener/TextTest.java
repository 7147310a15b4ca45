package io.sparkmonitor.listener;

import static io.sparkmonitor.listener.ListenerTest.DEADLINE_MS;
import static io.sparkmonitor.listener.ListenerTest.check;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;

/** The bounds of free text (Text): cut on a character boundary with a visible ellipsis, before a frame is queued. */
final class TextTest {
  private TextTest() {}

  static void checkCut(String in, int max, String what) {
    String out = Text.cut(in, max);
    byte[] utf8 = out.getBytes(StandardCharsets.UTF_8);
    check(utf8.length <= max, what + ": " + utf8.length + " bytes, bound " + max);
    check(utf8.length > max - 8, what + ": cut too short: " + utf8.length + " bytes");
    check(out.endsWith(Text.ELLIPSIS), what + ": no ellipsis at the end");
    String kept = out.substring(0, out.length() - Text.ELLIPSIS.length());
    check(in.startsWith(kept), what + ": not a prefix");
    // A split surrogate pair would not survive the round trip through UTF-8 (it becomes '?').
    check(new String(utf8, StandardCharsets.UTF_8).equals(out), what + ": a character was split");
    check(Text.cut(out, max).equals(out), what + ": cutting twice changes it");
  }

  static void cutsOnCharacterBoundaries() {
    String emoji = "\uD83D\uDE00"; // one character, a surrogate pair, 4 bytes of UTF-8
    checkCut("a".repeat(10_000), 100, "ascii");
    checkCut("é".repeat(10_000), 101, "two-byte");
    checkCut("€".repeat(10_000), 100, "three-byte");
    for (int shift = 0; shift < 4; shift++) {
      checkCut("x".repeat(shift) + emoji.repeat(10_000), 103, "surrogate pairs after " + shift + " ASCII");
    }
    check(Text.cut("collect at <stdin>:3", Text.SHORT).equals("collect at <stdin>:3"), "a short text stays");
    check(Text.cut(null, Text.SHORT) == null, "null stays null");
    String exact = "a".repeat(Text.SHORT);
    check(Text.cut(exact, Text.SHORT) == exact, "a text of exactly the bound stays");
    check(Text.cut(emoji.repeat(Text.SHORT / 4), Text.SHORT).equals(emoji.repeat(Text.SHORT / 4)),
        "pairs of exactly the bound stay");
  }

  /** A job with a 1 MB description and call site: the frames on the wire carry them cut, with an ellipsis. */
  static void hugeDescriptionIsCutBeforeItIsQueued() throws Exception {
    String huge = "\uD83D\uDE00".repeat(250_000) + "x"; // about 1 MB of UTF-8, 4-byte characters
    try (FakeMonitor m = new FakeMonitor(ListenerTest.dir.resolve("t.sock"), "good")) {
      MonitorListener l = ListenerTest.attach(m.socket, "good");
      try {
        m.next("hello", DEADLINE_MS);
        ListenerTest.jsc.setLocalProperty("spark.job.description", huge);
        ListenerTest.jsc.setCallSite(huge);
        check(ListenerTest.runJob(2, "cell-huge") == 20, "the job's result");
        JsonNode start = m.next("jobStart", DEADLINE_MS);
        String description = start.path("description").asText(), name = start.path("name").asText();
        check(description.getBytes(StandardCharsets.UTF_8).length <= Text.DESCRIPTION && description.endsWith(Text.ELLIPSIS)
            && huge.startsWith(description.substring(0, description.length() - 1)),
            "the description is cut to " + Text.DESCRIPTION + " bytes: " + description.length() + " chars");
        check(name.getBytes(StandardCharsets.UTF_8).length <= Text.SHORT && name.endsWith(Text.ELLIPSIS),
            "the call site is cut to " + Text.SHORT + " bytes: " + name.length() + " chars");
        String stage = m.next("stageSubmitted", DEADLINE_MS).path("name").asText();
        check(stage.getBytes(StandardCharsets.UTF_8).length <= Text.SHORT && stage.endsWith(Text.ELLIPSIS),
            "the stage name is cut: " + stage.length() + " chars");
      } finally {
        ListenerTest.jsc.setLocalProperty("spark.job.description", null);
        ListenerTest.jsc.clearCallSite();
        ListenerTest.jsc.sc().removeSparkListener(l);
      }
    }
  }
}
