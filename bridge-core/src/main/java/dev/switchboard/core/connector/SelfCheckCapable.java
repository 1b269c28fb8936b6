package dev.switchboard.core.connector;

import dev.switchboard.core.check.SelfCheck;
import java.util.List;

/**
 * Something that can test a connector's settings once, without starting it: connect to each configured server,
 * authenticate, and leave. {@code switchboard check} runs these for every enabled connector. The app supplies
 * probes for the connectors it ships; a connector may implement this itself to replace them.
 */
public interface SelfCheckCapable {
  List<SelfCheck> selfChecks();
}
