package dev.switchboard.xmpp.address;

import dev.switchboard.core.id.UserId;
import java.util.Optional;
import org.jxmpp.jid.EntityBareJid;
import org.jxmpp.jid.Jid;
import org.jxmpp.jid.impl.JidCreate;
import org.jxmpp.jid.parts.Localpart;
import org.jxmpp.stringprep.XmppStringprepException;

/**
 * Where Matrix users live on XMPP: {@code @alice:example.org} is {@code alice\3aexample.org@<component domain>}.
 * Escaping follows XEP-0106 ({@code \} plus two hex digits) for the characters it names, and extends it to upper
 * case, controls and non-ASCII so that nodeprep (which lower-cases) changes nothing and the mapping stays
 * reversible.
 */
public final class MatrixUserJids {
  /** Printable ASCII except XEP-0106's escaped set ({@code space " & ' / : < > @ \}) and upper case. */
  static final HexEscaping ESCAPING = new HexEscaping('\\', cp -> cp > 0x20 && cp < 0x7f
      && "\"&'/:<>@\\".indexOf(cp) < 0 && !(cp >= 'A' && cp <= 'Z'));

  /** The escaped {@code :} that every user id has, between its localpart and its server. */
  private static final String COLON = "\\3a";

  private final String componentDomain;

  public MatrixUserJids(String componentDomain) {
    this.componentDomain = componentDomain;
  }

  /** The escaped localpart for a Matrix user: its id without the sigil. */
  public static String localpartOf(UserId user) {
    return ESCAPING.escape(user.value().substring(1));
  }

  /** The user's bare JID on the component. */
  public EntityBareJid jidOf(UserId user) {
    try {
      return JidCreate.entityBareFrom(Localpart.from(localpartOf(user)), JidCreate.domainBareFrom(componentDomain));
    } catch (XmppStringprepException e) {
      throw new IllegalArgumentException("no JID for " + user + ": " + e.getMessage(), e);
    }
  }

  /** The Matrix user a JID on the component stands for; empty when it is not one of ours or not an escaped id. */
  public Optional<UserId> userOf(Jid jid) {
    if (jid == null || !jid.getDomain().toString().equals(componentDomain) || jid.getLocalpartOrNull() == null) {
      return Optional.empty();
    }
    String localpart = jid.getLocalpartOrNull().toString();
    if (!localpart.contains(COLON)) {
      return Optional.empty(); // the listener's JID, say: asked of every stanza, so no exception for it
    }
    try {
      return Optional.of(UserId.of("@" + ESCAPING.unescape(localpart)));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }
}
