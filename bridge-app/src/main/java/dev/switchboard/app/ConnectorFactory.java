package dev.switchboard.app;

import dev.switchboard.core.config.BridgeConfig;
import dev.switchboard.core.connector.Connector;
import java.util.ArrayList;
import java.util.List;

/** Builds the connectors the config enables. The one place that knows every connector module. */
class ConnectorFactory {

  List<Connector> enabledConnectors(BridgeConfig cfg) {
    List<Connector> out = new ArrayList<>();
    if (cfg.connectorEnabled(dev.switchboard.sip.SipConnector.PROTOCOL)) {
      out.add(new dev.switchboard.sip.SipConnector(
          dev.switchboard.sip.config.SipConfig.parse(cfg.connector(dev.switchboard.sip.SipConnector.PROTOCOL)),
          cfg.homeserver().domain()));
    }
    return out;
  }

  /** True when the connector ships its own migrations under {@code db/migration/<protocol>}. */
  boolean hasSchema(String protocol) {
    return ConnectorFactory.class.getResource("/db/migration/" + protocol) != null;
  }
}
