package io.sparkmonitor.listener;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.Property;

/**
 * The log4j2 appender of {@link LogCapture}: the only class of this jar that names log4j2's core,
 * loaded by reflection ({@link #attach}), so that the jar loads on a driver without it. Added to
 * the root logger at the capture's level (log4j2 checks the level before calling it); {@link
 * #append} copies the event's fields and returns.
 */
final class Log4j2Tap extends AbstractAppender implements LogCapture.Tap {
  private final LogCapture capture;
  private final LoggerContext context;

  private Log4j2Tap(LogCapture capture, LoggerContext context) {
    super("SparkMonitorLogs", null, null, true, new Property[0]);
    this.capture = capture;
    this.context = context;
  }

  /** Adds an appender for {@code capture} to log4j2's root logger; throws without log4j2 core. */
  static LogCapture.Tap attach(LogCapture capture) {
    LoggerContext context = (LoggerContext) LogManager.getContext(false);
    Log4j2Tap tap = new Log4j2Tap(capture, context);
    tap.start();
    Configuration config = context.getConfiguration();
    config.addAppender(tap);
    config
        .getRootLogger()
        .addAppender(tap, Level.toLevel(LogCapture.LEVELS[capture.threshold]), null);
    context.updateLoggers();
    return tap;
  }

  @Override
  public void append(LogEvent e) {
    try {
      Throwable thrown = e.getThrown();
      String msg = e.getMessage() == null ? "" : e.getMessage().getFormattedMessage();
      if (thrown != null) msg = msg + "\n" + thrown;
      capture.jvm(
          e.getTimeMillis(), e.getLevel().name(), e.getLoggerName(), e.getThreadName(), msg);
    } catch (Throwable ignored) {
      // never into the logging thread
    }
  }

  @Override
  public void remove() {
    Configuration config = context.getConfiguration();
    config.getRootLogger().removeAppender(getName());
    config.getAppenders().remove(getName());
    context.updateLoggers();
    stop();
  }
}
