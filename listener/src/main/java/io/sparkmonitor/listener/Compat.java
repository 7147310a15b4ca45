package io.sparkmonitor.listener;

import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Method;
import java.net.ProtocolFamily;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.channels.SocketChannel;
import java.util.Collections;
import java.util.Iterator;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.StageInfo;

/**
 * The calls whose JVM descriptor is not the same in every Spark and Java this one jar runs on, each
 * resolved once (a {@link MethodHandle} looked up by name, whatever its return type) with a safe
 * fallback. Nothing here throws into Spark. The jar is compiled against one Spark
 * (listener/build.sh) for Java 8 class files; every other call it makes into Spark, Scala or the
 * JDK has the same descriptor in Spark 3.5 (Scala 2.12 and 2.13) and 4.x, which {@code
 * listener/linkcheck.py} checks against each runtime's jars.
 *
 * <ul>
 *   <li>Scala collections in Spark's case classes: {@code SparkListenerJobStart.stageInfos()} and
 *       {@code StageInfo.parentIds()} return {@code scala.collection.Seq} on Scala 2.12 and {@code
 *       scala.collection.immutable.Seq} on 2.13. Both are a {@code scala.collection.Iterable}
 *       (whose {@code iterator()} has the same descriptor in both), so they are walked as that.
 *   <li>Java 16+: unix-domain sockets ({@code StandardProtocolFamily.UNIX}, {@code
 *       UnixDomainSocketAddress}, {@code SocketChannel.open(ProtocolFamily)}), which the monitor's
 *       ingest uses. Spark 3.5 also runs on Java 8 and 11: there the plugin loads, says once that
 *       it cannot reach the monitor, and Spark runs as usual.
 *   <li>Java 9+: {@code ProcessHandle.current().pid()} (else the runtime MXBean's {@code pid@host}
 *       name).
 * </ul>
 */
final class Compat {
  private Compat() {}

  private static final MethodHandle STAGE_INFOS =
      accessor(SparkListenerJobStart.class, "stageInfos");
  private static final MethodHandle PARENT_IDS = accessor(StageInfo.class, "parentIds");

  /** The job's stages (StageInfo objects); empty if this Spark has no such accessor. */
  static Iterable<Object> stageInfos(SparkListenerJobStart e) throws Throwable {
    return scalaIterable(STAGE_INFOS, e);
  }

  /** The stage's parent stage ids (boxed Integers); empty if this Spark has no such accessor. */
  static Iterable<Object> parentIds(StageInfo s) throws Throwable {
    return scalaIterable(PARENT_IDS, s);
  }

  /**
   * A public no-argument method of {@code type} as {@code (type) -> Object}, or null when there is
   * none.
   */
  static MethodHandle accessor(Class<?> type, String name) {
    try {
      Method m = type.getMethod(name);
      return MethodHandles.publicLookup()
          .unreflect(m)
          .asType(MethodType.methodType(Object.class, type));
    } catch (ReflectiveOperationException | RuntimeException | LinkageError absent) {
      return null;
    }
  }

  private static Iterable<Object> scalaIterable(MethodHandle accessor, Object target)
      throws Throwable {
    Object value = accessor == null ? null : accessor.invoke(target);
    return value == null ? Collections.emptyList() : iterate(value);
  }

  /** Walks a Scala collection of either Scala version. */
  static Iterable<Object> iterate(Object scalaIterable) {
    scala.collection.Iterator<?> it = ((scala.collection.Iterable<?>) scalaIterable).iterator();
    return () ->
        new Iterator<Object>() {
          @Override
          public boolean hasNext() {
            return it.hasNext();
          }

          @Override
          public Object next() {
            return it.next();
          }
        };
  }

  // Java 16+: StandardProtocolFamily.UNIX, UnixDomainSocketAddress.of(String),
  // SocketChannel.open(ProtocolFamily).
  private static final ProtocolFamily UNIX;
  private static final MethodHandle UNIX_ADDRESS, OPEN_CHANNEL;

  static {
    ProtocolFamily unix = null;
    MethodHandle address = null, open = null;
    try {
      unix = StandardProtocolFamily.valueOf("UNIX");
      Class<?> addressClass = Class.forName("java.net.UnixDomainSocketAddress");
      MethodHandles.Lookup lookup = MethodHandles.publicLookup();
      address =
          lookup
              .findStatic(addressClass, "of", MethodType.methodType(addressClass, String.class))
              .asType(MethodType.methodType(SocketAddress.class, String.class));
      open =
          lookup.findStatic(
              SocketChannel.class,
              "open",
              MethodType.methodType(SocketChannel.class, ProtocolFamily.class));
    } catch (ReflectiveOperationException | RuntimeException | LinkageError older) {
      unix = null;
    }
    UNIX = unix;
    UNIX_ADDRESS = address;
    OPEN_CHANNEL = open;
  }

  /** Whether this JVM can open unix-domain sockets (Java 16+). */
  static boolean unixSockets() {
    return UNIX != null;
  }

  /** A socket channel connected to the unix-domain socket at {@code path}. */
  static SocketChannel connectUnix(String path) throws IOException {
    if (UNIX == null) {
      throw new IOException(
          "unix-domain sockets need Java 16 or newer; this is Java "
              + System.getProperty("java.version"));
    }
    SocketChannel ch;
    SocketAddress address;
    try {
      ch = (SocketChannel) OPEN_CHANNEL.invoke(UNIX);
      address = (SocketAddress) UNIX_ADDRESS.invoke(path);
    } catch (IOException | RuntimeException e) {
      throw e;
    } catch (Throwable t) {
      throw new IOException("cannot open a unix-domain socket: " + t, t);
    }
    try {
      ch.connect(address);
      return ch;
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
  }

  private static final MethodHandle CURRENT_PROCESS, PROCESS_PID;

  static {
    MethodHandle current = null, pid = null;
    try {
      Class<?> handle = Class.forName("java.lang.ProcessHandle");
      MethodHandles.Lookup lookup = MethodHandles.publicLookup();
      current = lookup.findStatic(handle, "current", MethodType.methodType(handle));
      pid = lookup.findVirtual(handle, "pid", MethodType.methodType(long.class));
    } catch (ReflectiveOperationException | RuntimeException | LinkageError older) {
      current = null;
    }
    CURRENT_PROCESS = current;
    PROCESS_PID = pid;
  }

  /** This JVM's process id, or -1 if unknown. */
  static long pid() {
    try {
      if (CURRENT_PROCESS != null) return (long) PROCESS_PID.invoke(CURRENT_PROCESS.invoke());
      String name =
          ManagementFactory.getRuntimeMXBean().getName(); // "pid@host" on HotSpot and OpenJ9
      return Long.parseLong(name.substring(0, name.indexOf('@')));
    } catch (Throwable unknown) {
      return -1;
    }
  }
}
