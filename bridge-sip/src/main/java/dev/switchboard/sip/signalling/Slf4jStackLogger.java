package dev.switchboard.sip.signalling;

import gov.nist.core.StackLogger;
import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Routes the JAIN-SIP RI's stack log to SLF4J instead of its own log4j files; instantiated by the RI. */
public final class Slf4jStackLogger implements StackLogger {
  private static final Logger log = LoggerFactory.getLogger("javax.sip.stack");

  @Override
  public void logStackTrace() {
    // the RI calls this for debugging only
  }

  @Override
  public void logStackTrace(int level) {
    // the RI calls this for debugging only
  }

  @Override
  public int getLineCount() {
    return 0;
  }

  @Override
  public void logException(Throwable t) {
    log.warn("JAIN-SIP", t);
  }

  @Override
  public void logDebug(String message) {
    log.debug(message);
  }

  @Override
  public void logDebug(String message, Exception e) {
    log.debug(message, e);
  }

  @Override
  public void logTrace(String message) {
    log.trace(message);
  }

  @Override
  public void logFatalError(String message) {
    log.error(message);
  }

  @Override
  public void logError(String message) {
    if (message.startsWith("Problem connecting")) {
      // The sender gets the failure too (and logs it once); this copy would repeat the whole message at each try.
      log.debug(message.lines().findFirst().orElse(""));
      return;
    }
    log.error(message);
  }

  @Override
  public boolean isLoggingEnabled() {
    return log.isInfoEnabled();
  }

  @Override
  public boolean isLoggingEnabled(int level) {
    if (level >= TRACE_TRACE) {
      return log.isTraceEnabled();
    }
    if (level >= TRACE_DEBUG) {
      return log.isDebugEnabled();
    }
    if (level >= TRACE_INFO) {
      return log.isInfoEnabled();
    }
    return level > TRACE_NONE && log.isWarnEnabled();
  }

  @Override
  public void logError(String message, Exception e) {
    if (e instanceof java.io.IOException) {
      log.debug(message, e); // a peer that cannot be reached: the sender gets the failure and reports it
      return;
    }
    log.error(message, e);
  }

  @Override
  public void logWarning(String message) {
    log.warn(message);
  }

  @Override
  public void logInfo(String message) {
    log.info(message);
  }

  @Override
  public void disableLogging() {
    // levels come from the SLF4J backend
  }

  @Override
  public void enableLogging() {
    // levels come from the SLF4J backend
  }

  @Override
  public void setBuildTimeStamp(String buildTimeStamp) {
    // not logged
  }

  @Override
  public void setStackProperties(Properties properties) {
    // levels come from the SLF4J backend
  }

  @Override
  public String getLoggerName() {
    return log.getName();
  }
}
