package dev.switchboard.core.connector;

import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.id.UserId;
import java.util.concurrent.CompletableFuture;

/**
 * A connector that can link an existing Matrix room to one of its remote rooms (plumbing) and undo it. Used by the
 * {@code !link} / {@code !unlink} commands and by the provisioning API; both check permissions before calling.
 *
 * <p>Implementations validate {@code remoteRoom} (e.g. {@code libera/#java}, {@code dev@conference.example.org}),
 * join the remote room, store the link through the context's portals, and complete with the stored link. A remote
 * room that is already linked elsewhere fails with {@link LinkException} ({@code M_ROOM_IN_USE}-like), as does an
 * invalid or unknown remote room.
 */
public interface LinkCapable {

  /**
   * Canonical form of a remote room name as a user typed it, or a {@link LinkException} saying what is wrong with it.
   * Must not block.
   */
  String normaliseRemoteRoom(String remoteRoom) throws LinkException;

  /**
   * Links {@code room} to {@code remoteRoom} on behalf of {@code requester} (already permission-checked). Connectors
   * that need the remote side's consent (an IRC channel operator) complete only after it was given, or fail with a
   * {@link LinkException} when it was refused or timed out.
   */
  CompletableFuture<Link> link(RoomId room, String remoteRoom, UserId requester);

  /** Removes the link: stops relaying, removes this connector's ghosts from the room, leaves the remote room. */
  CompletableFuture<Void> unlink(Link link);

  /** Why a link request failed; {@code errcode} is Matrix-style, e.g. {@code M_NOT_FOUND}, {@code M_ROOM_IN_USE}. */
  final class LinkException extends Exception {
    private final String errcode;

    public LinkException(String errcode, String message) {
      super(message);
      this.errcode = errcode;
    }

    public String errcode() {
      return errcode;
    }
  }
}
