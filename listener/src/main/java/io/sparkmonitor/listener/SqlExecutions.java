package io.sparkmonitor.listener;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Spark SQL's query executions ({@code sqlStart}/{@code sqlEnd} frames of spark/event/PROTOCOL.md),
 * and the running ones for the resync frame.
 *
 * <p>The events are spark-sql classes that Spark posts to {@code onOtherEvent}. The listener does
 * not link against spark-sql, so it recognises them by class name and reads their case-class
 * accessors by reflection (looked up once per class). Spark 3.4+ and 4.x have {@code executionId():
 * long}, {@code rootExecutionId(): Option<Object>} (a boxed Long), {@code description(): String}
 * and {@code time(): long} on the start, and {@code executionId()}, {@code time()} and {@code
 * errorMessage(): Option<String>} on the end ({@code Some("")} when the query succeeded); an
 * accessor missing from an older Spark reads as null.
 */
final class SqlExecutions {
  static final String START = "org.apache.spark.sql.execution.ui.SparkListenerSQLExecutionStart";
  static final String END = "org.apache.spark.sql.execution.ui.SparkListenerSQLExecutionEnd";

  /**
   * Bounds of the description and the error (UTF-8 bytes) and of the running executions kept for
   * resync.
   */
  static final int MAX_RUNNING = 1000;

  /** One frame to send: its type, Spark's timestamp and its fields as a JSON object. */
  static final class Frame {
    private final String type, body;
    private final long time;

    Frame(String type, long time, String body) {
      this.type = type;
      this.time = time;
      this.body = body;
    }

    String type() {
      return type;
    }

    long time() {
      return time;
    }

    String body() {
      return body;
    }
  }

  private static final ClassValue<Map<String, Optional<Method>>> ACCESSORS =
      new ClassValue<Map<String, Optional<Method>>>() {
        @Override
        protected Map<String, Optional<Method>> computeValue(Class<?> type) {
          return new ConcurrentHashMap<>();
        }
      };

  // Running executions: id -> the sqlStart fields plus "time" (written on the bus thread, read by
  // the sender thread).
  private final Map<Long, String> running = new ConcurrentHashMap<>();
  // SQLExecution.getQueryExecution(long), looked up on first use (empty when this Spark has none).
  private volatile Optional<Method> getQueryExecution;

  /** The frame for a SQL execution event, or null for any other event. */
  Frame frame(Object event) throws ReflectiveOperationException {
    String type = event.getClass().getName();
    if (type.equals(START)) return start(event);
    if (type.equals(END)) return end(event);
    return null;
  }

  private Frame start(Object e) throws ReflectiveOperationException {
    long id = (Long) get(e, "executionId");
    long time = (Long) get(e, "time");
    Object root = option(get(e, "rootExecutionId"));
    Json body = new Json().put("executionId", id);
    if (root instanceof Number) body.put("rootExecutionId", ((Number) root).longValue());
    else body.putNull("rootExecutionId");
    String sqlText = sqlText(e, id);
    body.put(
        "description",
        Text.cut(sqlText != null ? sqlText : (String) get(e, "description"), Text.DESCRIPTION));
    String json = body.end();
    if (running.size() < MAX_RUNNING)
      running.put(id, json.substring(0, json.length() - 1) + ",\"time\":" + time + "}");
    return new Frame("sqlStart", time, json);
  }

  private Frame end(Object e) throws ReflectiveOperationException {
    long id = (Long) get(e, "executionId");
    running.remove(id);
    // Spark 3.4+ sends Some("") for success (None is left for event logs of older Sparks): both
    // become null.
    Object error = option(get(e, "errorMessage"));
    String message =
        error == null || error.toString().isEmpty()
            ? null
            : Text.cut(error.toString(), Text.REASON);
    return new Frame(
        "sqlEnd",
        (Long) get(e, "time"),
        new Json().put("executionId", id).put("error", message).end());
  }

  /**
   * The SQL text of a {@code spark.sql(...)} query: Spark's description is the call site ("collect
   * at …") unless the user set a job description, but while the query runs {@code
   * SQLExecution.getQueryExecution(id)} has its plan, whose root carries the parsed text in {@code
   * origin().sqlText()}. Null for DataFrame queries, or when the query ended before the listener
   * bus got to its start. Best effort: a failure here only loses the text, never the frame.
   */
  private String sqlText(Object start, long id) {
    try {
      return queryText(start, id);
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      return null;
    }
  }

  private String queryText(Object start, long id) throws ReflectiveOperationException {
    Optional<Method> m = getQueryExecution;
    if (m == null) {
      try {
        Class<?> c =
            Class.forName(
                "org.apache.spark.sql.execution.SQLExecution",
                false,
                start.getClass().getClassLoader());
        m = Optional.of(c.getMethod("getQueryExecution", long.class));
      } catch (ReflectiveOperationException absent) {
        m = Optional.empty();
      }
      getQueryExecution = m;
    }
    Object qe = m.isPresent() ? m.get().invoke(null, id) : null;
    Object plan = qe == null ? null : get(qe, "logical");
    Object origin = plan == null ? null : get(plan, "origin");
    Object text = origin == null ? null : option(get(origin, "sqlText"));
    return text == null || text.toString().trim().isEmpty() ? null : text.toString().trim();
  }

  /**
   * The running executions as sqlStart-shaped objects with their start {@code time}, for the resync
   * frame.
   */
  List<String> running() {
    return new ArrayList<>(running.values());
  }

  /**
   * Calls a public no-argument accessor, or returns null when this Spark's class has none of that
   * name.
   */
  static Object get(Object target, String name) throws ReflectiveOperationException {
    Class<?> type = target.getClass();
    Optional<Method> m =
        ACCESSORS
            .get(type)
            .computeIfAbsent(
                name,
                n -> {
                  try {
                    return Optional.of(type.getMethod(n));
                  } catch (NoSuchMethodException absent) {
                    return Optional.empty();
                  }
                });
    return m.isPresent() ? m.get().invoke(target) : null;
  }

  /** The value of a scala.Option, or null for None (or null). */
  static Object option(Object o) {
    if (!(o instanceof scala.Option<?>)) return null;
    scala.Option<?> opt = (scala.Option<?>) o;
    return opt.isDefined() ? opt.get() : null;
  }
}
