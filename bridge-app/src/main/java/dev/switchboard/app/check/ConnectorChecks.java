package dev.switchboard.app.check;

import dev.switchboard.core.check.CheckResult;
import dev.switchboard.core.check.SelfCheck;
import dev.switchboard.core.config.BridgeConfig;
import dev.switchboard.core.connector.SelfCheckCapable;
import dev.switchboard.irc.IrcConfig;
import dev.switchboard.sip.config.SipConfig;
import dev.switchboard.xmpp.XmppConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The probes of each enabled connector, built from its config section with the connector's own config parser (so
 * a bad section is reported exactly as the bridge would report it at start).
 */
public final class ConnectorChecks implements SelfCheckCapable {
  private final BridgeConfig cfg;

  public ConnectorChecks(BridgeConfig cfg) {
    this.cfg = cfg;
  }

  @Override
  public List<SelfCheck> selfChecks() {
    List<SelfCheck> out = new ArrayList<>();
    if (cfg.connectorEnabled("irc")) {
      try {
        IrcConfig irc = IrcConfig.parse(cfg.connectorSection("irc"));
        irc.networks().values().forEach(n -> out.add(new IrcRegistrationProbe(n)));
      } catch (RuntimeException e) {
        out.add(configProblem("irc", e));
      }
    }
    if (cfg.connectorEnabled("xmpp")) {
      try {
        out.add(new XmppComponentProbe(XmppConfig.parse(cfg.connectorSection("xmpp")).component()));
      } catch (RuntimeException e) {
        out.add(configProblem("xmpp", e));
      }
    }
    if (cfg.connectorEnabled("sip")) {
      try {
        SipConfig sip = SipConfig.parse(cfg.connectorSection("sip"));
        sip.trunk().ifPresent(t -> out.add(new SipOptionsProbe(t.host(), t.port(), t.transport())));
        // The digest credentials, when the bridge registers to the trunk (otherwise nothing uses them before a call).
        sip.trunk().filter(t -> t.register().isPresent()).ifPresent(t -> out.add(new SipRegisterProbe(t.host(),
            t.port(), t.transport(), t.accountUser(), t.username(), t.password())));
        out.add(new RtpEngineProbe(sip.rtpengine().ngAddress(), sip.rtpengine().timeout(),
            sip.rtpengine().attempts()));
      } catch (RuntimeException e) {
        out.add(configProblem("sip", e));
      }
    }
    return out;
  }

  private static SelfCheck configProblem(String section, RuntimeException e) {
    return new SelfCheck() {
      @Override
      public String name() {
        return "config section " + section;
      }

      @Override
      public CheckResult run(Duration timeout) {
        return CheckResult.failed(e.getMessage(), "fix the " + section + " section (see docs/" + section + ".md)");
      }
    };
  }
}
