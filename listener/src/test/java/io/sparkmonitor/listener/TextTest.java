package io.sparkmonitor.listener;

import static io.sparkmonitor.listener.LocalSpark.DEADLINE_MS;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The bounds of free text (Text): cut on a character boundary with a visible ellipsis, before a
 * frame is queued.
 */
@Order(3)
@ExtendWith(LocalSpark.class)
final class TextTest {
  static void checkCut(String in, int max, String what) {
    String out = Text.cut(in, max);
    byte[] utf8 = out.getBytes(StandardCharsets.UTF_8);
    assertTrue(utf8.length <= max, what + ": " + utf8.length + " bytes, bound " + max);
    assertTrue(utf8.length > max - 8, what + ": cut too short: " + utf8.length + " bytes");
    assertTrue(out.endsWith(Text.ELLIPSIS), what + ": no ellipsis at the end");
    String kept = out.substring(0, out.length() - Text.ELLIPSIS.length());
    assertTrue(in.startsWith(kept), what + ": not a prefix");
    // A split surrogate pair would not survive the round trip through UTF-8 (it becomes '?').
    assertTrue(
        new String(utf8, StandardCharsets.UTF_8).equals(out), what + ": a character was split");
    assertTrue(Text.cut(out, max).equals(out), what + ": cutting twice changes it");
  }

  @Test
  @DisplayName("texts are cut on a character boundary with an ellipsis")
  void cutsOnCharacterBoundaries() {
    String emoji = "\uD83D\uDE00"; // one character, a surrogate pair, 4 bytes of UTF-8
    checkCut("a".repeat(10_000), 100, "ascii");
    checkCut("é".repeat(10_000), 101, "two-byte");
    checkCut("€".repeat(10_000), 100, "three-byte");
    for (int shift = 0; shift < 4; shift++) {
      checkCut(
          "x".repeat(shift) + emoji.repeat(10_000),
          103,
          "surrogate pairs after " + shift + " ASCII");
    }
    assertTrue(
        Text.cut("collect at <stdin>:3", Text.SHORT).equals("collect at <stdin>:3"),
        "a short text stays");
    assertTrue(Text.cut(null, Text.SHORT) == null, "null stays null");
    String exact = "a".repeat(Text.SHORT);
    assertTrue(Text.cut(exact, Text.SHORT) == exact, "a text of exactly the bound stays");
    assertTrue(
        Text.cut(emoji.repeat(Text.SHORT / 4), Text.SHORT).equals(emoji.repeat(Text.SHORT / 4)),
        "pairs of exactly the bound stay");
  }

  /**
   * A job with a 1 MB description and call site: the frames on the wire carry them cut, with an
   * ellipsis.
   */
  @Test
  @DisplayName("a 1 MB description and call site are cut before they are queued")
  void hugeDescriptionIsCutBeforeItIsQueued() throws Exception {
    String huge = "\uD83D\uDE00".repeat(250_000) + "x"; // about 1 MB of UTF-8, 4-byte characters
    try (FakeMonitor m = new FakeMonitor(LocalSpark.dir.resolve("t.sock"), "good")) {
      MonitorListener l = LocalSpark.attach(m.socket, "good");
      try {
        m.next("hello", DEADLINE_MS);
        LocalSpark.jsc.setLocalProperty("spark.job.description", huge);
        LocalSpark.jsc.setCallSite(huge);
        assertTrue(LocalSpark.runJob(2, "cell-huge") == 20, "the job's result");
        JsonNode start = m.next("jobStart", DEADLINE_MS);
        String description = start.path("description").asText(), name = start.path("name").asText();
        assertTrue(
            description.getBytes(StandardCharsets.UTF_8).length <= Text.DESCRIPTION
                && description.endsWith(Text.ELLIPSIS)
                && huge.startsWith(description.substring(0, description.length() - 1)),
            "the description is cut to "
                + Text.DESCRIPTION
                + " bytes: "
                + description.length()
                + " chars");
        assertTrue(
            name.getBytes(StandardCharsets.UTF_8).length <= Text.SHORT
                && name.endsWith(Text.ELLIPSIS),
            "the call site is cut to " + Text.SHORT + " bytes: " + name.length() + " chars");
        String stage = m.next("stageSubmitted", DEADLINE_MS).path("name").asText();
        assertTrue(
            stage.getBytes(StandardCharsets.UTF_8).length <= Text.SHORT
                && stage.endsWith(Text.ELLIPSIS),
            "the stage name is cut: " + stage.length() + " chars");
      } finally {
        LocalSpark.jsc.setLocalProperty("spark.job.description", null);
        LocalSpark.jsc.clearCallSite();
        LocalSpark.jsc.sc().removeSparkListener(l);
      }
    }
  }
}
