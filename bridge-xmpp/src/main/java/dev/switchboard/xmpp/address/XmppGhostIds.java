package dev.switchboard.xmpp.address;

import dev.switchboard.core.id.UserId;
import java.util.Optional;
import org.jxmpp.jid.Jid;
import org.jxmpp.jid.impl.JidCreate;
import org.jxmpp.stringprep.XmppStringprepException;

/**
 * Where XMPP addresses live on Matrix: {@code bob@example.net} is the ghost {@code @_xmpp_bob=40example.net:<server>}.
 * Matrix user ids allow only {@code a-z 0-9 . _ = - / +} in the localpart, so everything else (upper case, {@code @},
 * non-ASCII in MUC nicks, {@code =} itself) becomes {@code =} plus two hex digits per UTF-8 byte, reversibly.
 */
public final class XmppGhostIds {
  static final java.util.function.IntPredicate ESCAPING_PLAIN = cp -> (cp >= 'a' && cp <= 'z')
      || (cp >= '0' && cp <= '9') || cp == '.' || cp == '_' || cp == '-' || cp == '/' || cp == '+';
  static final HexEscaping ESCAPING = new HexEscaping('=', ESCAPING_PLAIN);

  private final String prefix;
  private final String serverName;

  /** @param prefix the ghost localpart prefix, {@code _xmpp_} by default */
  public XmppGhostIds(String prefix, String serverName) {
    this.prefix = prefix;
    this.serverName = serverName;
  }

  /**
   * The ghost for an XMPP address: a bare JID for a user, or a full occupant JID ({@code room@service/nick}) for a
   * MUC occupant whose real address we do not know.
   *
   * @throws IllegalArgumentException when the address is too long for a Matrix user id (255 bytes)
   */
  public UserId ghostOf(Jid jid) {
    return UserId.of(prefix + ESCAPING.escape(jid.toString()), serverName);
  }

  /**
   * The {@code n}th ghost for an anonymous occupant JID ({@code n} from 1, which is {@link #ghostOf}): a later
   * person who takes a nick whose ghost followed its first holder's rename needs one of their own. The number sits
   * behind an escaped NUL, which no JID contains, so {@link #jidOf} still finds the occupant JID.
   */
  public UserId ghostOf(Jid jid, int n) {
    return n <= 1 ? ghostOf(jid) : UserId.of(prefix + ESCAPING.escape(jid.toString()) + "=00" + n, serverName);
  }

  /** The XMPP address a ghost stands for; empty when the id is not one of our ghosts. */
  public Optional<Jid> jidOf(UserId ghost) {
    if (!ghost.server().equals(serverName) || !ghost.localpart().startsWith(prefix)) {
      return Optional.empty();
    }
    try {
      String jid = ESCAPING.unescape(ghost.localpart().substring(prefix.length()));
      int numbered = jid.indexOf('\0');
      return Optional.of(JidCreate.from(numbered < 0 ? jid : jid.substring(0, numbered)));
    } catch (IllegalArgumentException | XmppStringprepException e) {
      return Optional.empty();
    }
  }

  /** True when the id lies in our ghost namespace. */
  public boolean isGhost(UserId user) {
    return user.server().equals(serverName) && user.localpart().startsWith(prefix);
  }
}
