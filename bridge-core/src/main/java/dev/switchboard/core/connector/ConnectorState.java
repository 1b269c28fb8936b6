package dev.switchboard.core.connector;

/** The states a connector reports, following the mautrix bridge-state vocabulary admins know. */
public enum ConnectorState {
  STARTING,
  CONNECTING,
  RUNNING,
  TRANSIENT_DISCONNECT,
  BAD_CREDENTIALS,
  STOPPED
}
