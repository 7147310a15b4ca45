package myteam;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.Collections;
import java.util.Map;

import org.apache.spark.SparkContext;
import org.apache.spark.api.plugin.DriverPlugin;
import org.apache.spark.api.plugin.ExecutorPlugin;
import org.apache.spark.api.plugin.PluginContext;
import org.apache.spark.api.plugin.SparkPlugin;

/** A user's own Spark plugin (test data): proves that the user's spark.plugins.defaultList entry still runs. */
public class TeamPlugin implements SparkPlugin {
  @Override
  public DriverPlugin driverPlugin() {
    return new DriverPlugin() {
      @Override
      public Map<String, String> init(SparkContext sc, PluginContext ctx) {
        try {
          Files.write(Paths.get(sc.getConf().get("spark.myteam.marker")),
              "team plugin ran".getBytes(StandardCharsets.UTF_8));
        } catch (java.io.IOException e) {
          throw new RuntimeException(e);
        }
        return Collections.emptyMap();
      }
    };
  }

  @Override
  public ExecutorPlugin executorPlugin() {
    return null;
  }
}
