package io.sparkmonitor.listener;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drains the bounded event queue to the monitor on a daemon thread. Callers only {@link #offer}; a
 * full queue drops the event and counts it. Connects lazily, reconnects with backoff (250 ms
 * doubling to 10 s), and never throws.
 *
 * <p>This thread is the only writer of the connection. Each connection also gets a daemon reader
 * thread ("sparkmonitor-control-N") that hands the monitor's control frames to {@code onControl};
 * it ends with the connection. Both use the channel directly (not {@code
 * Channels.newInputStream/newOutputStream}, whose Java 17 versions hold the channel's blocking lock
 * for the whole of a blocking read, so a waiting reader would stall the writer).
 */
final class Sender implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(Sender.class);
  static final long MIN_BACKOFF_MS = 250, MAX_BACKOFF_MS = 10_000;
  // Frames are written in batches: what is queued, and what arrives within LINGER_MS of the first,
  // in one write.
  // At thousands of tasks a second this turns one write (and one wake-up of the monitor) per event
  // into one per
  // batch. During the linger this thread is parked, not waiting on the queue, so a frame offered
  // meanwhile wakes
  // nobody: the listener bus thread pays no unpark per event, and this thread wakes once per batch,
  // not once per frame.
  // Each batch also costs the monitor a wake-up and a read, and seemingly wakes the control thread
  // (its CPU follows
  // the number of batches: its blocking read waits on the same socket, whose waiters the kernel
  // wakes when the
  // monitor's read frees buffer space). At 50 ms rather than 10 ms, the sender, control thread and
  // monitor used about
  // half the CPU in a 32 000-task job (issue 5, P1). The monitor pushes to browsers every 100 ms;
  // the browser sees
  // up to 50 ms more (P2, task end to DOM: p95 108 ms at 10 ms, 147-150 ms at 50 ms).
  static final long LINGER_MS = 50;
  static final int MAX_BATCH = 512;

  /** A resync frame and the seq of the last event it covers. */
  static final class Resync {
    final long upTo;
    final String frame;

    Resync(long upTo, String frame) {
      this.upTo = upTo;
      this.frame = frame;
    }
  }

  private static final class Frame {
    final long seq;
    final String type;
    final String json;

    Frame(long seq, String type, String json) {
      this.seq = seq;
      this.type = type;
      this.json = json;
    }
  }

  private final Settings settings;
  private final ArrayBlockingQueue<Frame> queue;
  private final AtomicLong dropped = new AtomicLong();
  // The hello frame without the connection counter (appended here), or null while the application
  // id is unknown.
  private final Supplier<String> hello;
  // The resync frame of the state now.
  private final Supplier<Resync> resync;
  private final Consumer<String> onControl; // one control frame from the monitor; never throws
  private final Thread thread;
  private volatile boolean stopping;
  private int connections;
  private long reportedDropped;
  private long lastStats;
  private SocketChannel channel;
  private final ArrayList<Frame> batch = new ArrayList<>(); // taken from the queue, not yet written

  Sender(
      Settings settings,
      Supplier<String> hello,
      Supplier<Resync> resync,
      Consumer<String> onControl) {
    this.settings = settings;
    this.queue = new ArrayBlockingQueue<>(Math.max(16, settings.queueSize));
    this.hello = hello;
    this.resync = resync;
    this.onControl = onControl;
    this.thread = new Thread(this, "sparkmonitor-sender");
    this.thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  /** Enqueues a frame; never blocks. Returns false (and counts a drop) when the queue is full. */
  boolean offer(long seq, String type, String json) {
    if (queue.offer(new Frame(seq, type, json))) return true;
    dropped.incrementAndGet();
    return false;
  }

  long dropped() {
    return dropped.get();
  }

  /**
   * Sends what is queued for at most {@code timeoutMs}, then closes. Called once, at application
   * end.
   */
  void flushAndStop(long timeoutMs) {
    stopping = true;
    try {
      thread.join(timeoutMs);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    thread.interrupt();
    closeQuietly();
  }

  @Override
  public void run() {
    long backoff = MIN_BACKOFF_MS;
    boolean warned = false;
    while (true) {
      try {
        if (channel == null) {
          if (stopping && queue.isEmpty() && batch.isEmpty()) return;
          connect();
          backoff = MIN_BACKOFF_MS;
          warned = false;
        }
        if (batch.isEmpty() && !take()) {
          if (stopping) return;
          maybeStats();
          continue;
        }
        writeBatch();
        batch.clear();
        maybeStats();
      } catch (InterruptedException e) {
        return;
      } catch (Throwable t) {
        closeQuietly();
        if (stopping) return;
        if (!warned) {
          LOG.warn(
              "SparkMonitor: cannot report to the monitor at {} ({}); Spark is not affected,"
                  + " retrying in the background",
              settings.ingest,
              t.toString());
          warned = true;
        }
        try {
          Thread.sleep(backoff); // reconnect backoff of a background thread, not synchronisation
        } catch (InterruptedException e) {
          return;
        }
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      }
    }
  }

  /**
   * Takes the next batch into {@code batch}: waits up to 200 ms for a first frame, then takes what
   * is queued and what arrives within {@link #LINGER_MS} (no linger once stopping, or when a full
   * batch is already queued), at most {@link #MAX_BATCH} frames. False if none came.
   */
  private boolean take() throws InterruptedException {
    Frame first = queue.poll(200, TimeUnit.MILLISECONDS);
    if (first == null) return false;
    batch.add(first);
    if (!stopping && queue.size() < MAX_BATCH - 1) {
      // The linger (a batching window, not a wait for a condition): parked, so that offers do not
      // wake this thread.
      LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(LINGER_MS));
      if (Thread.interrupted()) throw new InterruptedException();
    }
    queue.drainTo(batch, MAX_BATCH - batch.size());
    return true;
  }

  private void writeBatch() throws IOException {
    StringBuilder b = new StringBuilder(batch.size() * 256);
    for (Frame f : batch) b.append(f.json).append('\n');
    writeBytes(b.toString().getBytes(StandardCharsets.UTF_8));
  }

  private void maybeStats() throws IOException {
    long now = System.currentTimeMillis();
    long d = dropped.get();
    if (now - lastStats >= 1000 && (d != reportedDropped)) {
      lastStats = now;
      reportedDropped = d;
      write(
          new Json()
              .put("type", "stats")
              .put("seq", 0)
              .put("time", now)
              .put("queued", queue.size())
              .put("dropped", d)
              .end());
    }
  }

  private void connect() throws IOException, InterruptedException {
    String h = hello.get();
    while (h == null) { // the application id is not known yet (SparkContext still starting)
      if (stopping) throw new IOException("stopped before the application started");
      Thread.sleep(50);
      h = hello.get();
    }
    String addr = settings.ingest;
    SocketChannel ch;
    if (addr.startsWith("unix:")) {
      ch = Compat.connectUnix(addr.substring("unix:".length()));
    } else {
      int colon = addr.lastIndexOf(':');
      if (colon < 0)
        throw new IOException("SPARKMONITOR_INGEST must be unix:/path or host:port, got " + addr);
      ch =
          SocketChannel.open(
              new InetSocketAddress(
                  addr.substring(0, colon), Integer.parseInt(addr.substring(colon + 1))));
    }
    channel = ch;
    connections++;
    write(h.substring(0, h.length() - 1) + ",\"connection\":" + connections + "}");
    LineReader in = new LineReader(ch);
    String reply = in.readLine();
    if (reply == null) throw new IOException("monitor closed the connection during the handshake");
    if (!reply.contains("\"welcome\"")) {
      connections--;
      throw new IOException("monitor refused the connection: " + reply);
    }
    LOG.info("SparkMonitor: reporting to the monitor at {} (connection {})", addr, connections);
    readControl(in, connections);
    if (connections > 1) {
      Resync r = resync.get();
      write(r.frame);
      long upTo = r.upTo;
      // Non-terminal events already covered by the resync are not sent twice.
      batch.removeIf(f -> coveredByResync(f, upTo));
      queue.removeIf(f -> coveredByResync(f, upTo));
    }
  }

  private static boolean coveredByResync(Frame f, long upTo) {
    return f.seq <= upTo
        && (f.type.equals("taskStart")
            || f.type.equals("taskEnd")
            || f.type.equals("stageSubmitted")
            || f.type.equals("jobStart"));
  }

  /** Starts the connection's reader of control frames; it ends when the connection closes. */
  private void readControl(LineReader in, int connection) {
    Thread t =
        new Thread(
            () -> {
              try {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                  if (!line.isEmpty()) onControl.accept(line);
                }
              } catch (Throwable closed) {
                // the connection ended (closed by the sender or the monitor); the sender reconnects
              }
            },
            "sparkmonitor-control-" + connection);
    t.setDaemon(true);
    t.start();
  }

  private void write(String json) throws IOException {
    writeBytes((json + "\n").getBytes(StandardCharsets.UTF_8));
  }

  private void writeBytes(byte[] bytes) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(bytes);
    while (b.hasRemaining()) channel.write(b);
  }

  private void closeQuietly() {
    try {
      if (channel != null) channel.close();
    } catch (IOException ignored) {
      // closing a broken connection
    }
    channel = null;
  }
}
