package dev.switchboard.xmpp.muc;

import dev.switchboard.core.store.KvStore;
import java.util.Collection;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import org.jxmpp.jid.EntityBareJid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * MUC portals that wait for a user (issue 16). An alias query does not say who asks (the AS API has no user id; over
 * federation another server asks for its user), so a portal an alias query creates is <em>dormant</em>: the Matrix
 * room exists, but the listener does not join the MUC until someone at permission level {@code user} or above is in
 * the room. That keeps anyone the permissions shut out, federated users included, from making the bridge join MUC
 * after MUC. Kept in core's kv table, so a restart does not wake them; a link or plumb by an admin is active at once.
 */
public final class DormantMucs {
  private static final Logger log = LoggerFactory.getLogger(DormantMucs.class);

  private final KvStore kv;
  private final Executor blocking;
  private final Set<EntityBareJid> dormant = ConcurrentHashMap.newKeySet();

  public DormantMucs(KvStore kv, Executor blocking) {
    this.kv = kv;
    this.blocking = blocking;
  }

  /** Reads which of the restored portals are dormant. Blocking: call at start. */
  void load(Collection<EntityBareJid> mucs) {
    for (EntityBareJid muc : mucs) {
      if (kv.get(key(muc)).isPresent()) {
        dormant.add(muc);
      }
    }
  }

  /** A portal an alias query just made. Blocking (kv): recorded before the portal, so a crash cannot wake it. */
  void add(EntityBareJid muc) {
    kv.put(key(muc), "1");
    dormant.add(muc);
  }

  public boolean isDormant(EntityBareJid muc) {
    return dormant.contains(muc);
  }

  /** Takes {@code muc} out of the dormant set; true when it was in it. The kv row goes in the background. */
  boolean remove(EntityBareJid muc) {
    if (!dormant.remove(muc)) {
      return false;
    }
    CompletableFuture.runAsync(() -> kv.delete(key(muc)), blocking).whenComplete((v, err) -> {
      if (err != null) {
        // It works now; after a restart it would wait for a user again.
        log.warn("Could not record that the portal for {} is active: {}", muc, err.toString());
      }
    });
    return true;
  }

  private static String key(EntityBareJid muc) {
    return "xmpp.portal.dormant:" + muc;
  }
}
