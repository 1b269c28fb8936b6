package dev.switchboard.core.health;

/** The bridge as a whole: starting up, serving, or shutting down. */
public enum BridgeState {
  STARTING,
  RUNNING,
  STOPPING
}
