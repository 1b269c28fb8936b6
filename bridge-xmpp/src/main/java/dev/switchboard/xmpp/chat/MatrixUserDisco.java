package dev.switchboard.xmpp.chat;

import dev.switchboard.xmpp.address.MatrixUserJids;
import dev.switchboard.xmpp.address.XmppGhostIds;
import dev.switchboard.xmpp.component.ComponentConnection;
import dev.switchboard.xmpp.message.Receipts;
import org.jivesoftware.smack.packet.IQ;
import org.jivesoftware.smack.packet.Stanza;
import org.jivesoftware.smack.packet.StanzaError;
import org.jivesoftware.smackx.chatstates.ChatStateManager;
import org.jivesoftware.smackx.disco.packet.DiscoverInfo;
import org.jivesoftware.smackx.message_correct.element.MessageCorrectExtension;
import org.jivesoftware.smackx.vcardtemp.packet.VCard;
import org.jivesoftware.smackx.xhtmlim.packet.XHTMLExtension;

/**
 * XEP-0030 disco#info of a Matrix user's address (bare, or the {@code /matrix} resource our presences come from):
 * what a direct chat with them supports, so clients know, for one, that XEP-0184 receipts will come.
 */
public final class MatrixUserDisco {
  private final ComponentConnection connection;
  private final MatrixUserJids userJids;
  private final XmppGhostIds ghostIds;

  public MatrixUserDisco(ComponentConnection connection, MatrixUserJids userJids, XmppGhostIds ghostIds) {
    this.connection = connection;
    this.userJids = userJids;
    this.ghostIds = ghostIds;
  }

  /** disco#info requests without a node to a Matrix user's address. */
  public boolean handles(Stanza stanza) {
    return stanza instanceof DiscoverInfo info && info.getType() == IQ.Type.get && info.getNode() == null
        && userJids.userOf(info.getTo()).isPresent();
  }

  public void onStanza(Stanza stanza) {
    DiscoverInfo request = (DiscoverInfo) stanza;
    if (userJids.userOf(request.getTo()).filter(ghostIds::isGhost).isPresent()) {
      // Our own ghosts are no Matrix users to talk to through this address (as for vCards).
      connection.send(IQ.createErrorResponse(request, StanzaError.Condition.item_not_found));
      return;
    }
    connection.send(DiscoverInfo.builder(request.getStanzaId()).ofType(IQ.Type.result).to(request.getFrom())
        .from(request.getTo())
        .addIdentity(new DiscoverInfo.Identity("client", "Matrix", "pc"))
        .addFeature(DiscoverInfo.NAMESPACE)
        .addFeature(Receipts.NAMESPACE)
        .addFeature(ChatStateManager.NAMESPACE)
        .addFeature(MessageCorrectExtension.NAMESPACE)
        .addFeature(XHTMLExtension.NAMESPACE)
        .addFeature(VCard.NAMESPACE)
        .build());
  }
}
