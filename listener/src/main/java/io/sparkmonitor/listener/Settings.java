package io.sparkmonitor.listener;

import java.util.Map;

/**
 * Where and how to report, read once from the environment (set by the Jupyter server) and the Spark
 * conf.
 */
final class Settings {
  final String ingest;
  final String secret;
  final String kernelId;
  final String notebookPath;
  final int queueSize;
  final boolean killEnabled; // Spark's spark.ui.killEnabled: cancel requests are carried out
  final String
      listenerQueue; // spark.sparkmonitor.listenerQueue: MonitorPlugin.STATUS_QUEUE or SHARED_QUEUE

  Settings(
      String ingest,
      String secret,
      String kernelId,
      String notebookPath,
      int queueSize,
      boolean killEnabled) {
    this(
        ingest, secret, kernelId, notebookPath, queueSize, killEnabled, MonitorPlugin.STATUS_QUEUE);
  }

  Settings(
      String ingest,
      String secret,
      String kernelId,
      String notebookPath,
      int queueSize,
      boolean killEnabled,
      String listenerQueue) {
    this.ingest = ingest;
    this.secret = secret;
    this.kernelId = kernelId;
    this.notebookPath = notebookPath;
    this.queueSize = queueSize;
    this.killEnabled = killEnabled;
    this.listenerQueue = listenerQueue;
  }

  static Settings fromEnv(
      Map<String, String> env, int queueSize, boolean killEnabled, String listenerQueue) {
    return new Settings(
        env.get("SPARKMONITOR_INGEST"),
        env.getOrDefault("SPARKMONITOR_SECRET", ""),
        env.getOrDefault("SPARKMONITOR_KERNEL_ID", ""),
        env.getOrDefault("JPY_SESSION_NAME", ""),
        queueSize,
        killEnabled,
        listenerQueue);
  }
}
