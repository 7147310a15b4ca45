package io.sparkmonitor.listener;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A small JSON reader for the monitor's control frames (no library: Spark's JSON libraries differ
 * between versions). Objects become {@link Map}, arrays {@link List}, integers {@link Long}, other
 * numbers {@link Double}. Throws {@link IllegalArgumentException} with the position on malformed
 * input.
 */
final class MiniJson {
  private static final int MAX_DEPTH = 32;
  private final String s;
  private int i;

  private MiniJson(String s) {
    this.s = s;
  }

  static Object parse(String text) {
    MiniJson p = new MiniJson(text);
    Object v = p.value(0);
    p.ws();
    if (p.i != text.length()) throw p.error("trailing characters");
    return v;
  }

  private IllegalArgumentException error(String what) {
    return new IllegalArgumentException(what + " at offset " + i);
  }

  private void ws() {
    while (i < s.length() && " \t\r\n".indexOf(s.charAt(i)) >= 0) i++;
  }

  private char peek() {
    if (i >= s.length()) throw error("unexpected end");
    return s.charAt(i);
  }

  private void expect(char c) {
    if (peek() != c) throw error("expected '" + c + "'");
    i++;
  }

  private Object value(int depth) {
    if (depth > MAX_DEPTH) throw error("nested too deeply");
    ws();
    char c = peek();
    if (c == '{') return object(depth);
    if (c == '[') return array(depth);
    if (c == '"') return string();
    if (s.startsWith("true", i)) {
      i += 4;
      return Boolean.TRUE;
    }
    if (s.startsWith("false", i)) {
      i += 5;
      return Boolean.FALSE;
    }
    if (s.startsWith("null", i)) {
      i += 4;
      return null;
    }
    return number();
  }

  private Map<String, Object> object(int depth) {
    Map<String, Object> m = new HashMap<>();
    expect('{');
    ws();
    if (peek() == '}') {
      i++;
      return m;
    }
    while (true) {
      ws();
      String k = string();
      ws();
      expect(':');
      m.put(k, value(depth + 1));
      ws();
      if (peek() == ',') {
        i++;
        continue;
      }
      expect('}');
      return m;
    }
  }

  private List<Object> array(int depth) {
    List<Object> l = new ArrayList<>();
    expect('[');
    ws();
    if (peek() == ']') {
      i++;
      return l;
    }
    while (true) {
      l.add(value(depth + 1));
      ws();
      if (peek() == ',') {
        i++;
        continue;
      }
      expect(']');
      return l;
    }
  }

  private String string() {
    expect('"');
    StringBuilder b = new StringBuilder();
    while (true) {
      char c = peek();
      i++;
      if (c == '"') return b.toString();
      if (c != '\\') {
        b.append(c);
        continue;
      }
      char e = peek();
      i++;
      switch (e) {
        case '"':
        case '\\':
        case '/':
          b.append(e);
          break;
        case 'b':
          b.append('\b');
          break;
        case 'f':
          b.append('\f');
          break;
        case 'n':
          b.append('\n');
          break;
        case 'r':
          b.append('\r');
          break;
        case 't':
          b.append('\t');
          break;
        case 'u':
          if (i + 4 > s.length()) throw error("short \\u escape");
          try {
            b.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
          } catch (NumberFormatException x) {
            throw error("bad \\u escape");
          }
          i += 4;
          break;
        default:
          throw error("bad escape");
      }
    }
  }

  private Object number() {
    int start = i;
    while (i < s.length() && "+-0123456789.eE".indexOf(s.charAt(i)) >= 0) i++;
    String n = s.substring(start, i);
    if (n.isEmpty()) throw error("unexpected character");
    try {
      if (n.matches("-?\\d{1,18}")) return Long.parseLong(n);
      return Double.parseDouble(n);
    } catch (NumberFormatException x) {
      throw error("bad number");
    }
  }
}
