package io.sparkmonitor.listener;

/**
 * The bounds of the free text in frames (spark/event/PROTOCOL.md "Bounds of text"; the monitor's
 * spark/event/bound.go has the same numbers and cuts again). The listener cuts before it queues a
 * frame, so a 1 MB job description costs the queue, the socket and the monitor at most its bound.
 */
final class Text {
  /**
   * Names and identifiers: call sites (short form), stage and app names, job groups, tags, ids,
   * hosts, users.
   */
  static final int SHORT = 1 << 10;

  /** A notebook path or a UI URL (PATH_MAX). */
  static final int PATH = 4 << 10;

  /** A job's description and a SQL execution's (the query text). */
  static final int DESCRIPTION = 4 << 10;

  /** Failure reasons, errors and stack traces. */
  static final int REASON = 16 << 10;

  /** Ends a text that was cut. */
  static final String ELLIPSIS = "\u2026";

  private static final int ELLIPSIS_BYTES = 3;

  private Text() {}

  /**
   * {@code s} when its UTF-8 has at most {@code maxBytes} bytes; otherwise its longest prefix of
   * whole characters (a surrogate pair is never split) that, with {@link #ELLIPSIS} after it, has
   * at most {@code maxBytes} bytes. Reads at most about {@code maxBytes} characters of {@code s},
   * whatever its length. Null stays null.
   */
  static String cut(String s, int maxBytes) {
    if (s == null || (long) s.length() * 3 <= maxBytes)
      return s; // a char is at most 3 bytes (a pair: 4 for 2)
    int bytes = 0, keep = -1;
    for (int i = 0; i < s.length(); ) {
      int cp = s.codePointAt(i);
      int n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
      if (keep < 0 && bytes + n > maxBytes - ELLIPSIS_BYTES) keep = i;
      bytes += n;
      if (bytes > maxBytes) return s.substring(0, keep) + ELLIPSIS;
      i += Character.charCount(cp);
    }
    return s;
  }
}
