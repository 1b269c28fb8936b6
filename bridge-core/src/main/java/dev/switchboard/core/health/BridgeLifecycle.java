package dev.switchboard.core.health;

import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Holds the bridge-wide {@link BridgeState}; the wiring moves it, health and {@code !status} read it. */
public final class BridgeLifecycle {
  private static final Logger log = LoggerFactory.getLogger(BridgeLifecycle.class);

  private final AtomicReference<BridgeState> state = new AtomicReference<>(BridgeState.STARTING);

  public BridgeState state() {
    return state.get();
  }

  /** Moves to {@code next}; STOPPING is final. */
  public void moveTo(BridgeState next) {
    BridgeState previous = state.getAndUpdate(s -> s == BridgeState.STOPPING ? s : next);
    if (previous != next && previous != BridgeState.STOPPING) {
      log.debug("Bridge state {} -> {}", previous, next);
    }
  }
}
