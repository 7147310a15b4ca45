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
  private static final String CODEGEN = "WholeStageCodegen (";

  private final ClassLoader loader;
  private volatile Object store;

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
      return s == null ? null : graph(s, id);
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

  private static String graph(Object store, long id) throws ReflectiveOperationException {
    Object graph = store.getClass().getMethod("planGraph", long.class).invoke(store, id);
    Object values = store.getClass().getMethod("executionMetrics", long.class).invoke(store, id);
    // Operators inside a codegen cluster carry the cluster's number, as REST's wholeStageCodegenId.
    java.util.Map<Long, Long> clusterOf = new java.util.HashMap<>();
    for (Object n : seq(SqlExecutions.get(graph, "allNodes"), 4 * MAX_NODES)) {
      String name = String.valueOf(SqlExecutions.get(n, "name")).trim();
      Object members = SqlExecutions.get(n, "nodes");
      if (!name.startsWith(CODEGEN) || members == null) continue;
      Long number = codegenNumber(name);
      if (number == null) continue;
      for (Object m : seq(members, MAX_NODES))
        clusterOf.put((Long) SqlExecutions.get(m, "id"), number);
    }
    List<String> nodes = new ArrayList<>();
    List<Object> all = seq(SqlExecutions.get(graph, "allNodes"), MAX_NODES + 1);
    boolean truncated = all.size() > MAX_NODES;
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
      for (Object m : seq(SqlExecutions.get(n, "metrics"), MAX_METRICS)) {
        Object accumulator = SqlExecutions.get(m, "accumulatorId");
        Object value = lookup(values, accumulator);
        if (value == null) continue; // no task reported it yet: REST leaves it out too
        metrics.add(
            new Json()
                .put("name", Text.cut(String.valueOf(SqlExecutions.get(m, "name")), Text.SHORT))
                .put("accumulatorId", (Long) accumulator)
                .put("value", Text.cut(value.toString(), Text.SHORT))
                .end());
      }
      nodes.add(node.putRaw("metrics", Json.array(metrics)).end());
    }
    List<String> edges = new ArrayList<>();
    for (Object e : seq(SqlExecutions.get(graph, "edges"), 2 * MAX_NODES)) {
      edges.add(
          new Json()
              .put("fromId", (Long) SqlExecutions.get(e, "fromId"))
              .put("toId", (Long) SqlExecutions.get(e, "toId"))
              .end());
    }
    return new Json()
        .put("executionId", id)
        .putRaw("nodes", Json.array(nodes))
        .putRaw("edges", Json.array(edges))
        .put("truncated", truncated)
        .end();
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
   * The first {@code max} elements of a Scala collection (2.12 or 2.13), through the public
   * interfaces' {@code Iterable.iterator()}, {@code Iterator.hasNext()} and {@code next()} (the
   * concrete classes may not be public).
   */
  private static List<Object> seq(Object collection, int max) throws ReflectiveOperationException {
    List<Object> out = new ArrayList<>();
    if (collection == null) return out;
    ClassLoader l = collection.getClass().getClassLoader();
    Object it =
        Class.forName("scala.collection.Iterable", false, l)
            .getMethod("iterator")
            .invoke(collection);
    Class<?> iterator = Class.forName("scala.collection.Iterator", false, l);
    java.lang.reflect.Method hasNext = iterator.getMethod("hasNext"),
        next = iterator.getMethod("next");
    while (out.size() < max && (Boolean) hasNext.invoke(it)) out.add(next.invoke(it));
    return out;
  }

  /**
   * The value of key in a Scala Map, or null, through the public {@code
   * scala.collection.MapOps.get}/{@code Map.get}.
   */
  private static Object lookup(Object map, Object key) throws ReflectiveOperationException {
    Class<?> maps = Class.forName("scala.collection.Map", false, map.getClass().getClassLoader());
    java.lang.reflect.Method get;
    try {
      get = maps.getMethod("get", Object.class);
    } catch (NoSuchMethodException scala213) {
      get =
          Class.forName("scala.collection.MapOps", false, map.getClass().getClassLoader())
              .getMethod("get", Object.class);
    }
    return SqlExecutions.option(get.invoke(map, key));
  }
}
