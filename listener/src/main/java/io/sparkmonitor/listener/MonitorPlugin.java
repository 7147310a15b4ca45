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
 * SparkMonitor's Spark plugin: on the driver it registers {@link MonitorListener} and streams the application's events
 * to the SparkMonitor server of the Jupyter server that started this driver.
 *
 * <p>Enabled through {@code spark.plugins.defaultList} (which Spark merges with the user's {@code spark.plugins}).
 * Where to report comes from the environment the Jupyter server sets: {@code SPARKMONITOR_INGEST} ({@code unix:/path}
 * or {@code host:port}), {@code SPARKMONITOR_SECRET}, {@code SPARKMONITOR_KERNEL_ID}, {@code JPY_SESSION_NAME}.
 * Without {@code SPARKMONITOR_INGEST} the plugin does nothing. It runs on the driver only: with a cluster master it takes
 * itself out of the plugin lists that executors read (see {@link #keepOffExecutors}).
 *
 * <p>Spark configuration keys:
 * <ul>
 *   <li>{@code spark.sparkmonitor.enabled} (default {@code true}): {@code false} turns the plugin off.</li>
 *   <li>{@code spark.sparkmonitor.queueSize} (default 20000): events kept while the monitor is slow or away; beyond it
 *       events are dropped and counted (reported to the monitor as {@code stats.dropped}).</li>
 *   <li>{@code spark.ui.killEnabled} (Spark's, default {@code true}): sent in the hello; when {@code false} the monitor's
 *       cancel requests are ignored (see {@link Control}).</li>
 * </ul>
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
          LOG.warn("SparkMonitor: could not take the plugin out of the executors' configuration: {}", t.toString());
        }
        try {
          start(sc, Settings.fromEnv(System.getenv(), queueSize(sc.getConf()),
              sc.getConf().getBoolean("spark.ui.killEnabled", true)));
        } catch (Throwable t) {
          LOG.warn("SparkMonitor: not monitoring this application: {}", t.toString());
        }
        return Collections.emptyMap();
      }
    };
  }

  @Override
  public ExecutorPlugin executorPlugin() { return null; }

  /**
   * Takes this plugin out of the plugin lists that executors will read. This plugin has no executor side, and its jar
   * is on the driver's class path only (the kernel's SPARK_DIST_CLASSPATH); but Spark sends the driver's conf to
   * every executor, and an executor loads each class named in {@code spark.plugins.defaultList} and
   * {@code spark.plugins} when it starts: on a cluster (standalone, YARN, Kubernetes) it would not find this class and
   * die. Executors read the driver's conf when they first register, after the driver plugins' {@code init}, so
   * editing it here is enough. The user's own plugins stay in both lists.
   */
  static void keepOffExecutors(SparkConf conf) {
    String self = MonitorPlugin.class.getName();
    for (String key : new String[] {"spark.plugins.defaultList", "spark.plugins"}) {
      if (!conf.contains(key)) continue;
      String kept = Arrays.stream(conf.get(key).split(",")).map(String::trim)
          .filter(name -> !name.isEmpty() && !name.equals(self)).collect(Collectors.joining(","));
      if (kept.isEmpty()) conf.remove(key); else conf.set(key, kept);
    }
  }

  /** Registers the listener and starts the sender; returns the listener, or null when monitoring is off. */
  static MonitorListener start(SparkContext sc, Settings settings) {
    if (!sc.getConf().getBoolean("spark.sparkmonitor.enabled", true)) {
      LOG.info("SparkMonitor: disabled by spark.sparkmonitor.enabled=false");
      return null;
    }
    if (settings.ingest == null || settings.ingest.isEmpty()) {
      LOG.info("SparkMonitor: SPARKMONITOR_INGEST is not set (not started from a Jupyter server with SparkMonitor); not monitoring");
      return null;
    }
    if (settings.ingest.startsWith("unix:") && !Compat.unixSockets()) {
      LOG.warn("SparkMonitor: not monitoring: the monitor's socket {} needs Java 16 or newer (this JVM is Java {}); Spark is not affected",
          settings.ingest, System.getProperty("java.version"));
      return null;
    }
    MonitorListener listener = new MonitorListener();
    Control control = Control.of(sc, settings.killEnabled);
    Sender sender = new Sender(settings, () -> hello(sc, settings), listener::resync, control::handle);
    listener.attach(sender, control);
    sc.addSparkListener(listener);
    sender.start();
    return listener;
  }

  /** The hello frame, or null while the SparkContext has no application id yet. */
  static String hello(SparkContext sc, Settings s) {
    if (sc.applicationId() == null) return null;
    return new Json().put("type", "hello").put("protocol", 1).put("secret", s.secret).put("appId", sc.applicationId())
        .put("attemptId", sc.applicationAttemptId().isDefined() ? sc.applicationAttemptId().get() : null)
        .put("appName", sc.appName()).put("sparkVersion", sc.version())
        .put("scalaVersion", scala.util.Properties.versionNumberString()).put("sparkUser", sc.sparkUser())
        .put("master", sc.master()).put("uiUrl", sc.uiWebUrl().isDefined() ? sc.uiWebUrl().get() : null)
        .put("kernelId", s.kernelId).put("notebookPath", s.notebookPath).put("pid", Compat.pid())
        .put("startTime", sc.startTime()).put("killEnabled", s.killEnabled).end();
  }

  private static int queueSize(SparkConf conf) {
    String v = conf.get("spark.sparkmonitor.queueSize", String.valueOf(DEFAULT_QUEUE_SIZE));
    try {
      int n = Integer.parseInt(v.trim());
      if (n > 0) return n;
    } catch (NumberFormatException ignored) {
      // reported below
    }
    LOG.warn("SparkMonitor: spark.sparkmonitor.queueSize={} is not a positive integer; using {}", v, DEFAULT_QUEUE_SIZE);
    return DEFAULT_QUEUE_SIZE;
  }
}
