package io.sparkmonitor.listener;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;

/**
 * Reads NDJSON lines straight from the connection's channel. Not {@code Channels.newInputStream}:
 * on Java 17 its blocking read holds the channel's blocking lock, which the sender's writes would
 * then wait for. One thread at a time.
 */
final class LineReader {
  static final int MAX_LINE = 1 << 20; // PROTOCOL.md: a longer frame is a protocol error

  private final ReadableByteChannel ch;
  private final ByteBuffer buf = ByteBuffer.allocate(8192);
  private final ByteArrayOutputStream line = new ByteArrayOutputStream(256);

  LineReader(ReadableByteChannel ch) {
    this.ch = ch;
    buf.flip(); // empty
  }

  /** The next line without its newline, or null at the end of the stream. */
  String readLine() throws IOException {
    line.reset();
    while (true) {
      while (buf.hasRemaining()) {
        byte b = buf.get();
        if (b == '\n') return new String(line.toByteArray(), StandardCharsets.UTF_8);
        if (line.size() >= MAX_LINE)
          throw new IOException("monitor sent a frame longer than " + MAX_LINE + " bytes");
        line.write(b);
      }
      buf.clear();
      int n = ch.read(buf);
      buf.flip();
      if (n < 0) return null;
    }
  }
}
