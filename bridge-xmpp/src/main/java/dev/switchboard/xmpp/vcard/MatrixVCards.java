package dev.switchboard.xmpp.vcard;

import dev.switchboard.core.connector.ConnectorContext;
import dev.switchboard.core.id.UserId;
import dev.switchboard.xmpp.address.MatrixUserJids;
import dev.switchboard.xmpp.address.XmppGhostIds;
import dev.switchboard.xmpp.component.ComponentConnection;
import dev.switchboard.xmpp.stanza.XmlText;
import java.util.Optional;
import org.jivesoftware.smack.packet.IQ;
import org.jivesoftware.smack.packet.Stanza;
import org.jivesoftware.smack.packet.StanzaError;
import org.jivesoftware.smackx.vcardtemp.packet.VCard;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** vcard-temp (XEP-0054) for Matrix users' addresses, from their Matrix profile: full name and nick. */
public final class MatrixVCards {
  private static final Logger log = LoggerFactory.getLogger(MatrixVCards.class);

  private final ConnectorContext context;
  private final ComponentConnection connection;
  private final MatrixUserJids userJids;
  private final XmppGhostIds ghostIds;

  public MatrixVCards(ConnectorContext context, ComponentConnection connection, MatrixUserJids userJids,
      XmppGhostIds ghostIds) {
    this.context = context;
    this.connection = connection;
    this.userJids = userJids;
    this.ghostIds = ghostIds;
  }

  /** vCard requests ({@code <iq type='get'><vCard xmlns='vcard-temp'/></iq>}) to a Matrix user's address. */
  public boolean handles(Stanza stanza) {
    return stanza instanceof IQ iq && iq.getType() == IQ.Type.get && VCard.NAMESPACE.equals(
        iq.getChildElementNamespace()) && userJids.userOf(iq.getTo()).isPresent();
  }

  public void onStanza(Stanza stanza) {
    IQ iq = (IQ) stanza;
    UserId user = userJids.userOf(iq.getTo()).orElseThrow();
    if (ghostIds.isGhost(user)) {
      connection.send(IQ.createErrorResponse(iq, StanzaError.Condition.item_not_found));
      return;
    }
    context.intents().bot().profile(user).whenComplete((profile, err) -> {
      if (err != null) {
        log.debug("No profile for {}: {}", user, err.getMessage());
        connection.send(IQ.createErrorResponse(iq, StanzaError.Condition.item_not_found));
        return;
      }
      connection.send(card(iq, user, profile.path("displayname").asText(null)));
    });
  }

  /** The vCard answering {@code request} for a Matrix user with that display name (null for none). */
  public static VCard card(IQ request, UserId user, String displayName) {
    String name = Optional.ofNullable(displayName).map(XmlText::clean).filter(n -> !n.isBlank())
        .orElse(user.localpart());
    VCard card = new VCard();
    card.setType(IQ.Type.result);
    card.setStanzaId(request.getStanzaId());
    card.setTo(request.getFrom());
    card.setFrom(request.getTo());
    card.setField("FN", name);
    card.setNickName(name);
    card.setField("URL", "https://matrix.to/#/" + user.value());
    return card;
  }
}
