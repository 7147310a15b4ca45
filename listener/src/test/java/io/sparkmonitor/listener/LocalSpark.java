package io.sparkmonitor.listener;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The one real local SparkContext the listener tests share (a JVM holds one), and their helpers. A
 * test class that uses it is annotated {@code @ExtendWith(LocalSpark.class)}: the first such class
 * starts the context, and it stops when the whole run ends (a resource of the run's root store).
 */
final class LocalSpark implements BeforeAllCallback, ExtensionContext.Store.CloseableResource {
  static final long DEADLINE_MS = 30_000;
  static JavaSparkContext jsc;
  static Path dir;

  @Override
  public void beforeAll(ExtensionContext context) {
    context
        .getRoot()
        .getStore(ExtensionContext.Namespace.GLOBAL)
        .getOrComputeIfAbsent(LocalSpark.class, k -> start(), LocalSpark.class);
  }

  private static LocalSpark start() {
    try {
      dir = Files.createTempDirectory("smtest");
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    jsc =
        new JavaSparkContext(
            new SparkConf()
                .setMaster("local[2]")
                .setAppName("listener-test")
                .set("spark.ui.enabled", "false")
                .set("spark.ui.showConsoleProgress", "false"));
    jsc.setLogLevel("WARN");
    return new LocalSpark();
  }

  @Override
  public void close() {
    jsc.stop();
  }

  static MonitorListener attach(Path sock, String secret) {
    return attach(sock, secret, true);
  }

  static MonitorListener attach(Path sock, String secret, boolean killEnabled) {
    return MonitorPlugin.start(
        jsc.sc(), new Settings("unix:" + sock, secret, "kernel-1", "nb.ipynb", 1000, killEnabled));
  }

  /**
   * Runs a job of {@code partitions} tasks under the cell {@code cellId} (the local property); its
   * count.
   */
  static long runJob(int partitions, String cellId) {
    jsc.setLocalProperty("sparkmonitor.cellId", cellId);
    List<Integer> data = new ArrayList<>();
    for (int i = 0; i < partitions * 10; i++) data.add(i);
    return jsc.parallelize(data, partitions).map(x -> x * 2).count();
  }
}
