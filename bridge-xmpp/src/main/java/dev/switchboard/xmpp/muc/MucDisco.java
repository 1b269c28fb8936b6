package dev.switchboard.xmpp.muc;

import static dev.switchboard.core.failure.Failures.rootCause;

import dev.switchboard.xmpp.component.ComponentConnection;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jivesoftware.smack.packet.IQ;
import org.jivesoftware.smackx.disco.packet.DiscoverInfo;
import org.jxmpp.jid.DomainBareJid;
import org.jxmpp.jid.EntityBareJid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** XEP-0030 disco#info of MUCs: whether an address is a MUC we can bridge, and its name for a new portal. */
final class MucDisco {
  private static final Logger log = LoggerFactory.getLogger(MucDisco.class);

  /** What disco#info said; empty when the MUC did not answer in time (we create the portal anyway). */
  record MucInfo(boolean exists, Optional<String> name, String why) {}

  private final ComponentConnection connection;
  private final DomainBareJid component;
  private final Duration timeout;

  /** @param timeout how long a portal alias query waits (issue 8) */
  MucDisco(ComponentConnection connection, DomainBareJid component, Duration timeout) {
    this.connection = connection;
    this.component = component;
    this.timeout = timeout;
  }

  /**
   * Asks the MUC's disco#info, but answers with empty once {@code disco_timeout_ms} has passed: the homeserver holds
   * the user's join on our alias answer, and a slow XMPP server must not make it time out (issue 8). A late answer
   * that says there is no such MUC is logged; the portal stays, and its listener's join will fail visibly.
   */
  CompletableFuture<Optional<MucInfo>> info(EntityBareJid muc) {
    CompletableFuture<Optional<MucInfo>> answer = connection.request(request(muc))
        .handle((iq, err) -> err != null ? Optional.<MucInfo>empty() : Optional.of(readInfo(iq)));
    CompletableFuture<Optional<MucInfo>> inTime = answer.copy()
        .completeOnTimeout(Optional.empty(), timeout.toMillis(), TimeUnit.MILLISECONDS);
    inTime.thenAccept(info -> {
      if (info.isEmpty()) {
        log.info("No disco#info from {} within {}; creating the portal anyway", muc, timeout);
        answer.thenAccept(late -> late.filter(i -> !i.exists()).ifPresent(i -> log.warn(
            "disco#info from {} came late and says it is not a MUC ({}); its portal will stay empty", muc, i.why())));
      }
    });
    return inTime;
  }

  /**
   * Plumbing: asks the MUC's disco#info with the full IQ timeout and completes with why it cannot be bridged, or empty
   * when it is a MUC.
   */
  CompletableFuture<Optional<String>> whyNotAMuc(EntityBareJid muc) {
    return connection.request(request(muc)).handle((iq, err) -> {
      if (err != null) {
        return Optional.of("no answer from " + muc + " (" + rootCause(err).getMessage() + ")");
      }
      MucInfo info = readInfo(iq);
      return info.exists() ? Optional.<String>empty() : Optional.of(info.why());
    });
  }

  private DiscoverInfo request(EntityBareJid muc) {
    return DiscoverInfo.builder("disco-" + UUID.randomUUID()).to(muc).from(component).ofType(IQ.Type.get).build();
  }

  private static MucInfo readInfo(IQ iq) {
    if (iq.getType() == IQ.Type.error) {
      return new MucInfo(false, Optional.empty(), iq.getError().getCondition().toString());
    }
    if (!(iq instanceof DiscoverInfo info) || !info.hasIdentity("conference", "text")) {
      return new MucInfo(false, Optional.empty(), "no conference/text identity");
    }
    Optional<String> name = info.getIdentities("conference", "text").stream()
        .map(DiscoverInfo.Identity::getName).filter(n -> n != null && !n.isBlank()).findFirst();
    return new MucInfo(true, name, "ok");
  }
}
