package dev.switchboard.app.bench;

import org.jivesoftware.smack.ConnectionConfiguration.SecurityMode;
import org.jivesoftware.smack.tcp.XMPPTCPConnection;
import org.jivesoftware.smack.tcp.XMPPTCPConnectionConfiguration;
import org.jivesoftware.smackx.muc.MultiUserChat;
import org.jivesoftware.smackx.muc.MultiUserChatManager;
import org.jxmpp.jid.impl.JidCreate;
import org.jxmpp.jid.parts.Resourcepart;

/**
 * The XMPP floor {@link CpuBenchmark} reads the bridge's CPU against: the least a process must do to bridge one MUC
 * and one Matrix room both ways, run as its own JVM like the bridge. One client connection (Smack over c2s, as a
 * small bridge built on a client library would use; no TLS, like the bridge's component link) joins the MUC as one
 * occupant and PUTs each groupchat message from the other occupants to the homeserver as one ghost; each Matrix
 * message from the homeserver's transactions goes into the MUC as one groupchat message ({@link StandInMatrix}). No
 * occupant per Matrix user, formatting, durability or reflection matching.
 *
 * <p>Arguments: c2s port, XMPP domain, user, password, MUC jid, nick; homeserver URL, as_token, room id, ghost user
 * id; the port to listen for transactions on.
 */
public final class StandInXmpp {
  private StandInXmpp() {
  }

  public static void main(String[] args) throws Exception {
    StandInMatrix matrix = StandInMatrix.join(args[6], args[7], args[8], args[9]);
    XMPPTCPConnection xmpp = new XMPPTCPConnection(XMPPTCPConnectionConfiguration.builder().setXmppDomain(args[1])
        .setHost("127.0.0.1").setPort(Integer.parseInt(args[0])).setUsernameAndPassword(args[2], args[3])
        .setResource("standin").setSecurityMode(SecurityMode.disabled).build());
    xmpp.connect().login();
    MultiUserChat muc = MultiUserChatManager.getInstanceFor(xmpp).getMultiUserChat(JidCreate.entityBareFrom(args[4]));
    Resourcepart nick = Resourcepart.from(args[5]);
    muc.addMessageListener(m -> {
      if (m.getBody() != null && m.getFrom() != null && !nick.equals(m.getFrom().getResourceOrNull())) {
        matrix.send(m.getBody());
      }
    });
    muc.join(muc.getEnterConfigurationBuilder(nick).requestNoHistory().build());
    matrix.listen(Integer.parseInt(args[10]), body -> {
      try {
        muc.sendMessage(body);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    System.out.println(StandInBridge.READY);
    Thread.currentThread().join();
  }
}
