package io.sparkmonitor.listener;

import java.util.ArrayList;
import java.util.List;

/**
 * A SQL execution's plan graph with its live metrics, in the shape of Spark's REST API ({@code
 * /api/v1/applications/{app}/sql/{id}?details=true}: nodes with {@code nodeId}, {@code nodeName},
 * {@code wholeStageCodegenId} and {@code metrics} of {@code name} and {@code value}, and edges of
 * {@code fromId} and {@code toId}), which the monitor's spark/plan reads. Each metric also has its
 * {@code accumulatorId}: when AQE re-plans a running query the node ids change, but an operator
 * that stays keeps its accumulators.
 *
 * <p>Why not the REST API itself: while a query runs, its REST answer has the operators but no
 * metric (Spark's SqlResource reads a status store without the live listener); the Spark UI's SQL
 * page reads the store with it, which Spark keeps in {@code
 * SparkSession.sharedState().statusStore()}. This class reads that store: its {@code planGraph(id)}
 * and {@code executionMetrics(id)} (accumulator id to the text the UI shows), both in Spark 3.5 and
 * 4.x. The listener does not link against spark-sql, so every call is by reflection; a Spark
 * without them, or no SparkSession, gives null. {@code executionMetrics} aggregates the metrics of
 * every task of a running query, as the SQL page does when it is opened: the caller asks on its own
 * thread, never on the listener bus, and only when the monitor asks.
 */
final class SqlPlans {
  /** Bounds of one answer (spark/plan's): operators, metrics per operator. */
  static final int MAX_NODES = 5000;

  static final int MAX_METRICS = 64;

  /**
   * Bytes (UTF-8) of the operators and edges of one answer: a frame stays under the monitor's 1 MiB
   * frame bound; a plan larger than that is cut (truncated).
   */
  static final int MAX_BYTES = 900 * 1024;

  private static final String CODEGEN = "WholeStageCodegen (";

  private final ClassLoader loader;
  private volatile Object store;
  private volatile Scala scala;

  SqlPlans(ClassLoader loader) {
    this.loader = loader;
  }

  /**
   * The plan of execution {@code id} with its metrics as they are now, as a JSON object {@code
   * {"executionId", "nodes", "edges", "truncated"}}; null when there is no SparkSession, this Spark
   * has no such store, or the store no longer (or not yet) knows the execution. Never throws.
   */
  String snapshot(long id) {
    try {
      Object s = statusStore();
      if (s == null) return null;
      Scala c = scala;
      if (c == null) scala = c = new Scala(s.getClass().getClassLoader());
      return graph(s, id, c);
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      return null;
    }
  }

  private Object statusStore() throws ReflectiveOperationException {
    Object s = store;
    if (s != null) return s;
    Class<?> sessions = Class.forName("org.apache.spark.sql.SparkSession", false, loader);
    Object session = SqlExecutions.option(sessions.getMethod("getDefaultSession").invoke(null));
    if (session == null) return null;
    Object shared = SqlExecutions.get(session, "sharedState");
    s = shared == null ? null : SqlExecutions.get(shared, "statusStore");
    store = s;
    return s;
  }

  private static String graph(Object store, long id, Scala scala)
      throws ReflectiveOperationException {
    Object graph = store.getClass().getMethod("planGraph", long.class).invoke(store, id);
    Object values = store.getClass().getMethod("executionMetrics", long.class).invoke(store, id);
    // Operators inside a codegen cluster carry the cluster's number, as REST's wholeStageCodegenId.
    java.util.Map<Long, Long> clusterOf = new java.util.HashMap<>();
    List<Object> all = scala.seq(SqlExecutions.get(graph, "allNodes"), 4 * MAX_NODES);
    for (Object n : all) {
      String name = String.valueOf(SqlExecutions.get(n, "name")).trim();
      Object members = SqlExecutions.get(n, "nodes");
      if (!name.startsWith(CODEGEN) || members == null) continue;
      Long number = codegenNumber(name);
      if (number == null) continue;
      for (Object m : scala.seq(members, MAX_NODES))
        clusterOf.put((Long) SqlExecutions.get(m, "id"), number);
    }
    List<String> nodes = new ArrayList<>();
    boolean truncated = all.size() > MAX_NODES;
    int bytes = 0;
    for (Object n : all.subList(0, Math.min(all.size(), MAX_NODES))) {
      long nodeId = (Long) SqlExecutions.get(n, "id");
      Json node =
          new Json()
              .put("nodeId", nodeId)
              .put("nodeName", Text.cut(String.valueOf(SqlExecutions.get(n, "name")), Text.SHORT));
      Long cluster = clusterOf.get(nodeId);
      if (cluster != null) node.put("wholeStageCodegenId", cluster);
      else node.putNull("wholeStageCodegenId");
      List<String> metrics = new ArrayList<>();
      for (Object m : scala.seq(SqlExecutions.get(n, "metrics"), MAX_METRICS)) {
        Object accumulator = SqlExecutions.get(m, "accumulatorId");
        Object value = scala.get(values, accumulator);
        if (value == null) continue; // no task reported it yet: REST leaves it out too
        metrics.add(
            new Json()
                .put("name", Text.cut(String.valueOf(SqlExecutions.get(m, "name")), Text.SHORT))
                .put("accumulatorId", (Long) accumulator)
                .put("value", Text.cut(value.toString(), Text.SHORT))
                .end());
      }
      String json = node.putRaw("metrics", Json.array(metrics)).end();
      bytes += utf8Length(json) + 1;
      if (bytes > MAX_BYTES) {
        truncated = true;
        break;
      }
      nodes.add(json);
    }
    List<String> edges = new ArrayList<>();
    for (Object e : scala.seq(SqlExecutions.get(graph, "edges"), 2 * MAX_NODES)) {
      String json =
          new Json()
              .put("fromId", (Long) SqlExecutions.get(e, "fromId"))
              .put("toId", (Long) SqlExecutions.get(e, "toId"))
              .end();
      bytes += json.length() + 1;
      if (bytes > MAX_BYTES) {
        truncated = true;
        break;
      }
      edges.add(json);
    }
    return new Json()
        .put("executionId", id)
        .putRaw("nodes", Json.array(nodes))
        .putRaw("edges", Json.array(edges))
        .put("truncated", truncated)
        .end();
  }

  /** The length of s in UTF-8, without encoding it. */
  static int utf8Length(String s) {
    int n = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      n += c < 0x80 ? 1 : c < 0x800 || Character.isSurrogate(c) ? 2 : 3; // a pair: 2 + 2
    }
    return n;
  }

  /** N of "WholeStageCodegen (N)", or null. */
  static Long codegenNumber(String name) {
    if (!name.startsWith(CODEGEN) || !name.endsWith(")")) return null;
    try {
      return Long.parseLong(name.substring(CODEGEN.length(), name.length() - 1));
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /**
   * The public Scala collection methods the answer is read through (2.12 or 2.13; the concrete
   * classes may not be public), looked up once.
   */
  static final class Scala {
    private final java.lang.reflect.Method iterator, hasNext, next, get;

    Scala(ClassLoader l) throws ReflectiveOperationException {
      iterator = Class.forName("scala.collection.Iterable", false, l).getMethod("iterator");
      Class<?> it = Class.forName("scala.collection.Iterator", false, l);
      hasNext = it.getMethod("hasNext");
      next = it.getMethod("next");
      java.lang.reflect.Method m;
      try {
        m = Class.forName("scala.collection.Map", false, l).getMethod("get", Object.class);
      } catch (NoSuchMethodException scala213) {
        m = Class.forName("scala.collection.MapOps", false, l).getMethod("get", Object.class);
      }
      get = m;
    }

    /** The first {@code max} elements of a collection; none for null. */
    List<Object> seq(Object collection, int max) throws ReflectiveOperationException {
      List<Object> out = new ArrayList<>();
      if (collection == null) return out;
      Object it = iterator.invoke(collection);
      while (out.size() < max && (Boolean) hasNext.invoke(it)) out.add(next.invoke(it));
      return out;
    }

    /** The value of key in a Map, or null. */
    Object get(Object map, Object key) throws ReflectiveOperationException {
      return SqlExecutions.option(get.invoke(map, key));
    }
  }
}
