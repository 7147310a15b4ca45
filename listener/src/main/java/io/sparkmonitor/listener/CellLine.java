package io.sparkmonitor.listener;

/**
 * The notebook cell line that started a job: the kernel hook (jupyter_config/sparkmonitor_go/
 * cellline.py) sets the local property {@code sparkmonitor.line} to {@code "<line>\t<source>"}
 * before the py4j call that starts it, and Spark copies it into the job's properties (also those of
 * the jobs Spark runs for a SQL execution on other threads). The jobStart frame carries it as
 * {@code cellLine} (a positive number) and {@code cellLineText} (the source line, cut to 1 KiB);
 * both are absent when the property is missing or malformed (spark/event/PROTOCOL.md, "Cell line").
 */
final class CellLine {
  static final String PROPERTY = "sparkmonitor.line";

  /** At most this many digits: a line number of a cell (below a billion). */
  private static final int MAX_DIGITS = 9;

  final int line;
  final String text;

  private CellLine(int line, String text) {
    this.line = line;
    this.text = text;
  }

  /** The line of a property value, or null when it is not "digits, tab, text" with a line >= 1. */
  static CellLine parse(String value) {
    if (value == null) return null;
    int tab = value.indexOf('\t');
    if (tab < 1 || tab > MAX_DIGITS) return null;
    int line = 0;
    for (int i = 0; i < tab; i++) {
      char c = value.charAt(i);
      if (c < '0' || c > '9') return null;
      line = line * 10 + (c - '0');
    }
    if (line < 1) return null;
    // A prefix of more than SHORT characters is more than SHORT bytes: cut copies no more than
    // that.
    int end = (int) Math.min(value.length(), tab + 2L + Text.SHORT);
    return new CellLine(line, Text.cut(value.substring(tab + 1, end), Text.SHORT));
  }

  /** Adds {@code cellLine} and {@code cellLineText} to a frame when the line is known. */
  static void put(Json j, CellLine l) {
    if (l != null) j.put("cellLine", l.line).put("cellLineText", l.text);
  }
}
