package io.sparkmonitor.listener;

/** A minimal JSON object writer (no library: Spark's JSON libraries differ between versions). */
final class Json {
  private final StringBuilder sb = new StringBuilder(256);
  private boolean first = true;

  Json() {
    sb.append('{');
  }

  private Json key(String k) {
    if (!first) sb.append(',');
    first = false;
    str(sb, k);
    sb.append(':');
    return this;
  }

  Json put(String k, String v) {
    key(k);
    if (v == null) sb.append("null");
    else str(sb, v);
    return this;
  }

  Json put(String k, long v) {
    key(k);
    sb.append(v);
    return this;
  }

  Json put(String k, boolean v) {
    key(k);
    sb.append(v);
    return this;
  }

  Json putNull(String k) {
    key(k);
    sb.append("null");
    return this;
  }

  Json putRaw(String k, String json) {
    key(k);
    sb.append(json);
    return this;
  }

  String end() {
    return sb.append('}').toString();
  }

  static String array(java.util.List<String> rawItems) {
    return "[" + String.join(",", rawItems) + "]";
  }

  static String strings(java.util.List<String> items) {
    StringBuilder b = new StringBuilder("[");
    for (int i = 0; i < items.size(); i++) {
      if (i > 0) b.append(',');
      str(b, items.get(i));
    }
    return b.append(']').toString();
  }

  static void str(StringBuilder b, String s) {
    b.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"':
          b.append("\\\"");
          break;
        case '\\':
          b.append("\\\\");
          break;
        case '\n':
          b.append("\\n");
          break;
        case '\r':
          b.append("\\r");
          break;
        case '\t':
          b.append("\\t");
          break;
        default:
          if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
          else b.append(c);
      }
    }
    b.append('"');
  }
}
