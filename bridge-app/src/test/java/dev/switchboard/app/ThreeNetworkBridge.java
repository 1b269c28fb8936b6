package dev.switchboard.app;

import dev.switchboard.core.config.BridgeConfig;
import dev.switchboard.core.config.ConfigLoader;
import dev.switchboard.registration.Registration;
import dev.switchboard.testkit.homeserver.AppServiceRegistration;
import dev.switchboard.testkit.homeserver.TestHomeserver;
import dev.switchboard.testkit.irc.NgircdServer;
import dev.switchboard.testkit.net.FreePorts;
import dev.switchboard.testkit.sip.RtpEngineServer;
import dev.switchboard.testkit.xmpp.ProsodyServer;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The jar's wiring with all three connectors against real servers (ngircd, Prosody, rtpengine; the SIP trunk is a
 * port nobody answers, so the trunk registration runs and fails) and the metrics listener on: what an operator's
 * dashboard and an admin's commands see. A phone calling {@link #RINGS_ALICE} on {@link #sipPort()} rings
 * {@code @alice}.
 */
record ThreeNetworkBridge(Bridge bridge, int sipPort) implements AutoCloseable {
  static final String RINGS_ALICE = "+15550100";

  static ThreeNetworkBridge start(Path dir, TestHomeserver hs, NgircdServer ircd, ProsodyServer prosody,
      RtpEngineServer rtpengine) throws Exception {
    int asPort;
    try (ServerSocket s = new ServerSocket(0)) {
      asPort = s.getLocalPort();
    }
    int sipPort = FreePorts.udpAndTcp();
    Path file = dir.resolve("config.yaml");
    Files.writeString(file, """
        homeserver: { url: "%s", domain: %s }
        appservice: { port: %d, url: "http://127.0.0.1:%d" }
        database: { url: "jdbc:sqlite:bridge.db" }
        metrics: { enabled: true, port: 0 }
        irc:
          enabled: true
          networks:
            test: { host: 127.0.0.1, port: %d, tls: false, nick: switchboard }
        xmpp: { enabled: true, domain: %s, secret: "%s", server_host: 127.0.0.1, server_port: %d }
        sip:
          enabled: true
          listen: { address: 127.0.0.1, port: %d }
          trunk: { host: 127.0.0.1, port: %d, username: bridge, password: trunk-secret, register: true }
          rtpengine: { ng_address: "127.0.0.1:%d" }
          inbound: { numbers: { "%s": "@alice:%s" } }
        """.formatted(hs.baseUrl(), hs.serverName(), asPort, asPort, ircd.port(), ProsodyServer.COMPONENT,
        prosody.componentSecret(), prosody.componentPort(), sipPort, FreePorts.udp(),
        rtpengine.ngAddress().getPort(), RINGS_ALICE, hs.serverName()));
    BridgeConfig cfg = new ConfigLoader(Map.of()).load(file);
    Registration registration = RegistrationWriter.write(cfg, cfg.appservice().registration());
    hs.registerAppService(AppServiceRegistration.fromYaml(cfg.appservice().registration()));
    return new ThreeNetworkBridge(Bridge.start(cfg, registration, new ConnectorFactory()), sipPort);
  }

  @Override
  public void close() {
    bridge.close();
  }
}
