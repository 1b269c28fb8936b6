package dev.switchboard.core.check;

import java.time.Duration;

/**
 * One thing {@code switchboard check} tries once and reports on a line of its own, e.g. "IRC network libera: TLS
 * handshake and registration". Runs outside the bridge (nothing else is started); must not change anything remote
 * beyond a short visit (connect, register, quit).
 */
public interface SelfCheck {

  /** What is checked, as the start of the report line. */
  String name();

  /** Tries it, within about {@code timeout}; reports failures as a result, never as an exception. */
  CheckResult run(Duration timeout) throws InterruptedException;
}
