package dev.switchboard.app;

import dev.switchboard.core.config.BridgeConfig;
import dev.switchboard.core.config.ConfigSection;
import dev.switchboard.core.connector.Connector;
import dev.switchboard.irc.IrcConnector;
import dev.switchboard.sip.SipConnector;
import dev.switchboard.sip.config.SipConfig;
import dev.switchboard.xmpp.XmppConnector;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Builds the connectors the config enables. The one place that knows every connector module. */
class ConnectorFactory {

  List<Connector> enabledConnectors(BridgeConfig cfg) {
    List<Connector> out = new ArrayList<>();
    if (cfg.connectorEnabled("irc")) {
      out.add(new IrcConnector(cfg.connector("irc"), cfg.homeserver().domain(), new SplittableRandom()));
    }
    if (cfg.connectorEnabled(XmppConnector.PROTOCOL)) {
      out.add(new XmppConnector(cfg.connector(XmppConnector.PROTOCOL), cfg.homeserver().domain()));
    }
    if (cfg.connectorEnabled(SipConnector.PROTOCOL)) {
      out.add(new SipConnector(SipConfig.parse(ConfigSection.of(cfg.connector(SipConnector.PROTOCOL),
          SipConnector.PROTOCOL)), cfg.homeserver().domain()));
    }
    return out;
  }

  /** True when the connector ships its own migrations under {@code db/migration/<protocol>}. */
  boolean hasSchema(String protocol) {
    return ConnectorFactory.class.getResource("/db/migration/" + protocol) != null;
  }
}
