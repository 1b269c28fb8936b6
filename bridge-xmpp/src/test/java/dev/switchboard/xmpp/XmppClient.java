package dev.switchboard.xmpp;

import dev.switchboard.testkit.xmpp.ProsodyServer;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jivesoftware.smack.ConnectionConfiguration.SecurityMode;
import org.jivesoftware.smack.packet.Message;
import org.jivesoftware.smack.packet.Stanza;
import org.jivesoftware.smack.tcp.XMPPTCPConnection;
import org.jivesoftware.smack.tcp.XMPPTCPConnectionConfiguration;

/** A real XMPP client user on the test Prosody (Smack over c2s, no TLS), recording every message it gets. */
public final class XmppClient implements AutoCloseable {
  public final XMPPTCPConnection connection;
  public final List<Message> messages = new CopyOnWriteArrayList<>();
  public final List<Stanza> stanzas = new CopyOnWriteArrayList<>();

  private XmppClient(XMPPTCPConnection connection) {
    this.connection = connection;
  }

  /** Creates the account {@code user@localhost} and logs in. */
  public static XmppClient login(ProsodyServer prosody, String user) throws Exception {
    prosody.createUser(user, "pw-" + user);
    return login(prosody.c2sPort(), user);
  }

  /** Logs in as {@code user@localhost} with password {@code pw-<user>} (the account must exist). */
  public static XmppClient login(int c2sPort, String user) throws Exception {
    XMPPTCPConnectionConfiguration config = XMPPTCPConnectionConfiguration.builder()
        .setXmppDomain(ProsodyServer.HOST)
        .setHost("127.0.0.1")
        .setPort(c2sPort)
        .setUsernameAndPassword(user, "pw-" + user)
        .setResource("test")
        .setSecurityMode(SecurityMode.disabled)
        .build();
    XMPPTCPConnection connection = new XMPPTCPConnection(config);
    XmppClient client = new XmppClient(connection);
    // Synchronous, so the lists keep arrival order (async listeners run on a pool and may reorder).
    connection.addSyncStanzaListener(s -> {
      client.stanzas.add(s);
      if (s instanceof Message m) {
        client.messages.add(m);
      }
    }, s -> true);
    connection.connect().login();
    return client;
  }

  public void send(Stanza stanza) throws Exception {
    connection.sendStanza(stanza);
  }

  @Override
  public void close() {
    connection.disconnect();
  }
}
