package dev.switchboard.sip.signalling;

import gov.nist.core.ServerLogger;
import gov.nist.javax.sip.message.SIPMessage;
import java.util.Properties;
import javax.sip.SipStack;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs SIP messages at TRACE (logger {@code javax.sip.messages}) instead of the RI's message files. Only the first
 * line: headers carry credentials (Authorization) and bodies carry SDP.
 */
public final class Slf4jServerLogger implements ServerLogger {
  private static final Logger log = LoggerFactory.getLogger("javax.sip.messages");

  @Override
  public void closeLogFile() {
    // no file
  }

  @Override
  public void logMessage(SIPMessage message, String from, String to, boolean sender, long time) {
    if (log.isTraceEnabled()) {
      log.trace("{} {} -> {}: {}", sender ? "sent" : "received", from, to, message.getFirstLine().strip());
    }
  }

  @Override
  public void logMessage(SIPMessage message, String from, String to, String status, boolean sender, long time) {
    logMessage(message, from, to, sender, time);
  }

  @Override
  public void logMessage(SIPMessage message, String from, String to, String status, boolean sender) {
    logMessage(message, from, to, sender, 0);
  }

  @Override
  public void logException(Exception e) {
    log.debug("JAIN-SIP", e);
  }

  @Override
  public void setStackProperties(Properties properties) {
    // nothing to configure
  }

  @Override
  public void setSipStack(SipStack stack) {
    // not needed
  }
}
