package dev.switchboard.app;

import dev.switchboard.core.config.BridgeConfig;
import dev.switchboard.irc.IrcConfig;
import dev.switchboard.irc.IrcNamespaces;
import dev.switchboard.registration.Namespaces;
import dev.switchboard.registration.Registration;
import dev.switchboard.registration.RegistrationFile;
import dev.switchboard.registration.Tokens;
import dev.switchboard.sip.SipNamespaces;
import dev.switchboard.sip.config.SipConfig;
import dev.switchboard.xmpp.XmppConfig;
import dev.switchboard.xmpp.XmppNamespaces;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;

/** Builds the registration from the config: the bot plus every enabled connector's namespaces. */
final class RegistrationWriter {
  private RegistrationWriter() {}

  /** The namespaces and protocols of the enabled connectors. */
  static Namespaces namespaces(BridgeConfig cfg, List<String> protocolsOut) {
    String domain = cfg.homeserver().domain();
    Namespaces ns = Namespaces.empty();
    if (cfg.connectorEnabled("irc")) {
      ns = ns.plus(IrcNamespaces.of(IrcConfig.Prefixes.parse(cfg.connectorSection("irc")), domain));
      protocolsOut.add("irc");
    }
    if (cfg.connectorEnabled("xmpp")) {
      ns = ns.plus(XmppNamespaces.of(XmppConfig.Prefixes.parse(cfg.connectorSection("xmpp")), domain));
      protocolsOut.add("xmpp");
    }
    if (cfg.connectorEnabled("sip")) {
      ns = ns.plus(SipNamespaces.of(SipConfig.userPrefix(cfg.connectorSection("sip")), domain));
      protocolsOut.add("sip");
      protocolsOut.addAll(SipNamespaces.PSTN_PROTOCOLS);
    }
    return ns;
  }

  static Registration write(BridgeConfig cfg, Path target) {
    List<String> protocols = new ArrayList<>();
    Namespaces ns = namespaces(cfg, protocols);
    return RegistrationFile.writeKeepingTokens(target, cfg.appservice().id(), cfg.appservice().url().toString(),
        cfg.appservice().botLocalpart(), ns, protocols, new Tokens(new SecureRandom()), cfg.homeserver().domain());
  }
}
