package io.sparkmonitor.listener;

import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.api.plugin.DriverPlugin;
import org.apache.spark.api.plugin.ExecutorPlugin;
import org.apache.spark.api.plugin.PluginContext;
import org.apache.spark.api.plugin.SparkPlugin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SparkMonitor's Spark plugin: on the driver it registers {@link MonitorListener} and streams the
 * application's events to the SparkMonitor server of the Jupyter server that started this driver.
 *
 * <p>Enabled through {@code spark.plugins.defaultList} (which Spark merges with the user's {@code
 * spark.plugins}). Where to report comes from the environment the Jupyter server sets: {@code
 * SPARKMONITOR_INGEST} ({@code unix:/path} or {@code host:port}), {@code SPARKMONITOR_SECRET},
 * {@code SPARKMONITOR_KERNEL_ID}, {@code JPY_SESSION_NAME}. Without {@code SPARKMONITOR_INGEST} the
 * plugin does nothing. It runs on the driver only: with a cluster master it takes itself out of the
 * plugin lists that executors read (see {@link #keepOffExecutors}).
 *
 * <p>Spark configuration keys:
 *
 * <ul>
 *   <li>{@code spark.sparkmonitor.enabled} (default {@code true}): {@code false} turns the plugin
 *       off.
 *   <li>{@code spark.sparkmonitor.queueSize} (default 20000): events kept while the monitor is slow
 *       or away; beyond it events are dropped and counted (reported to the monitor as {@code
 *       stats.dropped}).
 *   <li>{@code spark.sparkmonitor.listenerQueue} (default {@code appStatus}): the listener bus
 *       queue the listener runs on: {@code appStatus}, beside Spark's own status listener, or
 *       {@code shared}, where {@code addSparkListener} puts listeners (see {@link #register}).
 *   <li>{@code spark.ui.killEnabled} (Spark's, default {@code true}): sent in the hello; when
 *       {@code false} the monitor's cancel requests are ignored (see {@link Control}).
 * </ul>
 *
 * Nothing here ever throws into Spark or blocks the listener bus.
 */
public final class MonitorPlugin implements SparkPlugin {
  private static final Logger LOG = LoggerFactory.getLogger(MonitorPlugin.class);
  static final int DEFAULT_QUEUE_SIZE = 20_000;

  @Override
  public DriverPlugin driverPlugin() {
    return new DriverPlugin() {
      @Override
      public Map<String, String> init(SparkContext sc, PluginContext ctx) {
        try {
          if (!sc.isLocal()) keepOffExecutors(sc.conf());
        } catch (Throwable t) {
          LOG.warn(
              "SparkMonitor: could not take the plugin out of the executors' configuration: {}",
              t.toString());
        }
        try {
          start(
              sc,
              Settings.fromEnv(
                  System.getenv(),
                  queueSize(sc.getConf()),
                  sc.getConf().getBoolean("spark.ui.killEnabled", true),
                  listenerQueue(sc.getConf())));
        } catch (Throwable t) {
          LOG.warn("SparkMonitor: not monitoring this application: {}", t.toString());
        }
        return Collections.emptyMap();
      }
    };
  }

  @Override
  public ExecutorPlugin executorPlugin() {
    return null;
  }

  /**
   * Takes this plugin out of the plugin lists that executors will read. This plugin has no executor
   * side, and its jar is on the driver's class path only (the kernel's SPARK_DIST_CLASSPATH); but
   * Spark sends the driver's conf to every executor, and an executor loads each class named in
   * {@code spark.plugins.defaultList} and {@code spark.plugins} when it starts: on a cluster
   * (standalone, YARN, Kubernetes) it would not find this class and die. Executors read the
   * driver's conf when they first register, after the driver plugins' {@code init}, so editing it
   * here is enough. The user's own plugins stay in both lists.
   */
  static void keepOffExecutors(SparkConf conf) {
    String self = MonitorPlugin.class.getName();
    for (String key : new String[] {"spark.plugins.defaultList", "spark.plugins"}) {
      if (!conf.contains(key)) continue;
      String kept =
          Arrays.stream(conf.get(key).split(","))
              .map(String::trim)
              .filter(name -> !name.isEmpty() && !name.equals(self))
              .collect(Collectors.joining(","));
      if (kept.isEmpty()) conf.remove(key);
      else conf.set(key, kept);
    }
  }

  /**
   * Registers the listener and starts the sender; returns the listener, or null when monitoring is
   * off.
   */
  static MonitorListener start(SparkContext sc, Settings settings) {
    if (!sc.getConf().getBoolean("spark.sparkmonitor.enabled", true)) {
      LOG.info("SparkMonitor: disabled by spark.sparkmonitor.enabled=false");
      return null;
    }
    if (settings.ingest == null || settings.ingest.isEmpty()) {
      LOG.info(
          "SparkMonitor: SPARKMONITOR_INGEST is not set (not started from a Jupyter server with"
              + " SparkMonitor); not monitoring");
      return null;
    }
    if (settings.ingest.startsWith("unix:") && !Compat.unixSockets()) {
      LOG.warn(
          "SparkMonitor: not monitoring: the monitor's socket {} needs Java 16 or newer (this JVM"
              + " is Java {}); Spark is not affected",
          settings.ingest,
          System.getProperty("java.version"));
      return null;
    }
    MonitorListener listener = new MonitorListener();
    Control control = Control.of(sc, settings.killEnabled);
    Sender sender =
        new Sender(settings, () -> hello(sc, settings), listener::resync, control::handle);
    listener.attach(sender, control);
    control.onPlanRequest(listener::planRequested);
    LOG.info(
        "SparkMonitor: listening on Spark's {} listener queue",
        register(sc, listener, settings.listenerQueue));
    sender.start();
    return listener;
  }

  /**
   * Adds the listener to Spark's listener bus, on the queue {@code queue} names, and returns the
   * queue it is on.
   *
   * <p>{@code appStatus}: the queue of Spark's own status listener (the Spark UI's), through the
   * bus's {@code addToStatusQueue} (Spark's SQL status listener is added the same way; {@code
   * private[spark]} in Scala, public to Java, in Spark 3.x and 4.x). The listener's callbacks only
   * copy fields and offer a frame to a bounded queue, a few microseconds each, so they add little
   * to that queue's thread, which is awake for every event anyway. Spark's public {@code
   * addSparkListener} puts a listener on the {@code shared} queue instead, whose thread exists only
   * for the listeners added that way: one more queue and one more thread woken for every event, the
   * largest part of the listener's cost in the driver JVM in a job of many short tasks (issue 5,
   * P1). Falls back to {@code shared} if this Spark has no such method.
   */
  static String register(SparkContext sc, MonitorListener listener, String queue) {
    if (queue.equals(STATUS_QUEUE)) {
      try {
        sc.listenerBus().addToStatusQueue(listener);
        return STATUS_QUEUE;
      } catch (Throwable t) {
        LOG.info(
            "SparkMonitor: could not join Spark's appStatus listener queue ({}); using the shared"
                + " queue",
            t.toString());
      }
    }
    sc.addSparkListener(listener);
    return SHARED_QUEUE;
  }

  static final String STATUS_QUEUE = "appStatus", SHARED_QUEUE = "shared";

  static String listenerQueue(SparkConf conf) {
    String v = conf.get("spark.sparkmonitor.listenerQueue", STATUS_QUEUE).trim();
    if (v.equals(STATUS_QUEUE) || v.equals(SHARED_QUEUE)) return v;
    LOG.warn(
        "SparkMonitor: spark.sparkmonitor.listenerQueue={} is neither {} nor {}; using {}",
        v,
        STATUS_QUEUE,
        SHARED_QUEUE,
        STATUS_QUEUE);
    return STATUS_QUEUE;
  }

  /** The hello frame, or null while the SparkContext has no application id yet. */
  static String hello(SparkContext sc, Settings s) {
    if (sc.applicationId() == null) return null;
    return new Json()
        .put("type", "hello")
        .put("protocol", 1)
        .put("secret", s.secret)
        .put("appId", Text.cut(sc.applicationId(), Text.SHORT))
        .put(
            "attemptId",
            sc.applicationAttemptId().isDefined()
                ? Text.cut(sc.applicationAttemptId().get(), Text.SHORT)
                : null)
        .put("appName", Text.cut(sc.appName(), Text.SHORT))
        .put("sparkVersion", sc.version())
        .put("scalaVersion", scala.util.Properties.versionNumberString())
        .put("sparkUser", Text.cut(sc.sparkUser(), Text.SHORT))
        .put("master", Text.cut(sc.master(), Text.SHORT))
        .put("uiUrl", sc.uiWebUrl().isDefined() ? Text.cut(sc.uiWebUrl().get(), Text.PATH) : null)
        .put("kernelId", Text.cut(s.kernelId, Text.SHORT))
        .put("notebookPath", Text.cut(s.notebookPath, Text.PATH))
        .put("pid", Compat.pid())
        .put("startTime", sc.startTime())
        .put("killEnabled", s.killEnabled)
        .end();
  }

  private static int queueSize(SparkConf conf) {
    String v = conf.get("spark.sparkmonitor.queueSize", String.valueOf(DEFAULT_QUEUE_SIZE));
    try {
      int n = Integer.parseInt(v.trim());
      if (n > 0) return n;
    } catch (NumberFormatException ignored) {
      // reported below
    }
    LOG.warn(
        "SparkMonitor: spark.sparkmonitor.queueSize={} is not a positive integer; using {}",
        v,
        DEFAULT_QUEUE_SIZE);
    return DEFAULT_QUEUE_SIZE;
  }
}
