package io.sparkmonitor.listener;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A monitor stand-in on a unix socket: answers hellos (welcome when the secret matches) and queues
 * every frame.
 */
final class FakeMonitor implements AutoCloseable {
  static final ObjectMapper JSON = new ObjectMapper();
  final Path socket;
  final String secret;
  final LinkedBlockingQueue<JsonNode> frames = new LinkedBlockingQueue<>();
  private final ServerSocketChannel server;
  private final Thread thread;
  private volatile SocketChannel current;

  FakeMonitor(Path socket, String secret) throws IOException {
    this.socket = socket;
    this.secret = secret;
    Files.deleteIfExists(socket);
    server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(socket));
    thread = new Thread(this::serve, "fake-monitor");
    thread.setDaemon(true);
    thread.start();
  }

  private void serve() {
    try {
      while (true) {
        SocketChannel ch = server.accept();
        current = ch;
        try (BufferedReader in =
            new BufferedReader(
                new InputStreamReader(Channels.newInputStream(ch), StandardCharsets.UTF_8))) {
          OutputStream out = Channels.newOutputStream(ch);
          String line = in.readLine();
          if (line == null) continue;
          JsonNode hello = JSON.readTree(line);
          frames.add(hello);
          if (!secret.equals(hello.path("secret").asText())) {
            out.write(
                "{\"type\":\"error\",\"error\":\"wrong secret\"}\n"
                    .getBytes(StandardCharsets.UTF_8));
            ch.close();
            continue;
          }
          out.write("{\"type\":\"welcome\",\"protocol\":1}\n".getBytes(StandardCharsets.UTF_8));
          for (String l = in.readLine(); l != null; l = in.readLine()) frames.add(JSON.readTree(l));
        } catch (IOException closed) {
          // connection dropped by the test or the listener
        }
      }
    } catch (IOException stopped) {
      // server closed
    }
  }

  /** Waits (with a deadline) for the next frame of the given type, skipping others. */
  JsonNode next(String type, long timeoutMs) throws InterruptedException {
    long deadline = System.currentTimeMillis() + timeoutMs;
    while (true) {
      long left = deadline - System.currentTimeMillis();
      JsonNode f = left > 0 ? frames.poll(left, TimeUnit.MILLISECONDS) : null;
      if (f == null)
        throw new AssertionError("no '" + type + "' frame within " + timeoutMs + " ms");
      if (type.equals(f.path("type").asText())) return f;
    }
  }

  /**
   * Sends one line (a control frame) to the current listener connection. Writes on the channel
   * directly: the serve thread's blocking read holds the stream's lock on Java 17.
   */
  void send(String line) throws IOException {
    SocketChannel ch = current;
    if (ch == null) throw new IOException("no listener connection");
    ByteBuffer b = ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8));
    while (b.hasRemaining()) ch.write(b);
  }

  /** Drops the current listener connection (as a crashing monitor would). */
  void dropConnection() throws IOException {
    SocketChannel ch = current;
    if (ch != null) ch.close();
  }

  @Override
  public void close() throws IOException {
    server.close();
    dropConnection();
    Files.deleteIfExists(socket);
  }
}
