package dev.switchboard.core.provisioning;

import dev.switchboard.core.connector.Connector;
import dev.switchboard.core.connector.ConnectorContext;
import dev.switchboard.core.connector.Link;
import dev.switchboard.core.connector.LinkCapable;
import dev.switchboard.core.connector.MessageHandling;
import dev.switchboard.core.event.MatrixMessage;
import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.id.UserId;
import dev.switchboard.registration.NamespaceRegex;
import dev.switchboard.registration.Namespaces;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A linking connector for core tests, shaped like IRC: remote rooms are {@code <network>/#channel}, only the
 * network {@code test} exists, and with {@link #askOperator} set a link waits for a (test-driven) operator's answer
 * the way the IRC connector waits for a channel op.
 */
final class FakeLinkingConnector implements Connector, LinkCapable, MessageHandling {
  /** A link request waiting for the operator. */
  record Pending(RoomId room, String remoteRoom, UserId requester, CompletableFuture<Link> answer) {}

  private final String domain;
  private volatile ConnectorContext context;
  volatile boolean askOperator;
  final List<Pending> pending = new CopyOnWriteArrayList<>();
  final List<Link> unlinked = new CopyOnWriteArrayList<>();
  final List<UserId> requesters = new CopyOnWriteArrayList<>();
  private final ConcurrentHashMap<String, Boolean> joined = new ConcurrentHashMap<>();

  FakeLinkingConnector(String domain) {
    this.domain = domain;
  }

  @Override
  public String protocol() {
    return "irc";
  }

  @Override
  public Namespaces namespaces() {
    return new Namespaces(List.of(NamespaceRegex.users("_irc_", domain)),
        List.of(NamespaceRegex.aliases("_irc_", domain)), List.of());
  }

  @Override
  public void start(ConnectorContext context) {
    this.context = context;
  }

  @Override
  public void stop() {}

  @Override
  public CompletableFuture<Void> onMessage(MatrixMessage message, Link link) {
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public String normaliseRemoteRoom(String remoteRoom) throws LinkException {
    int slash = remoteRoom.indexOf('/');
    if (slash < 1 || slash == remoteRoom.length() - 1 || remoteRoom.charAt(slash + 1) != '#') {
      throw new LinkException("M_INVALID_PARAM", "Expected <network>/#channel, got " + remoteRoom);
    }
    String network = remoteRoom.substring(0, slash);
    if (!network.equals("test")) {
      throw new LinkException("M_NOT_FOUND", "No IRC network " + network);
    }
    return network + "/" + remoteRoom.substring(slash + 1).toLowerCase(Locale.ROOT);
  }

  @Override
  public CompletableFuture<Link> link(RoomId room, String remoteRoom, UserId requester) {
    requesters.add(requester);
    if (askOperator) {
      CompletableFuture<Link> answer = new CompletableFuture<>();
      pending.add(new Pending(room, remoteRoom, requester, answer));
      return answer;
    }
    return CompletableFuture.completedFuture(store(room, remoteRoom));
  }

  /** The operator said yes to the oldest waiting request. */
  Link confirm() {
    Pending p = pending.remove(0);
    Link link = store(p.room(), p.remoteRoom());
    p.answer().complete(link);
    return link;
  }

  /** The operator said no. */
  void refuse() {
    Pending p = pending.remove(0);
    p.answer().completeExceptionally(new LinkException("M_FORBIDDEN", "A channel operator of "
        + p.remoteRoom() + " refused the link"));
  }

  private Link store(RoomId room, String remoteRoom) {
    Link link = new Link(room, "irc", remoteRoom, true);
    if (context.portals().portal(room).isEmpty()) {
      context.portals().createPlumbedRoom(room, List.of(link));
    } else {
      context.portals().addLink(link);
    }
    joined.put(remoteRoom, true);
    return link;
  }

  @Override
  public CompletableFuture<Void> unlink(Link link) {
    context.portals().removeLink(link);
    joined.remove(link.remoteId());
    unlinked.add(link);
    return CompletableFuture.completedFuture(null);
  }
}
