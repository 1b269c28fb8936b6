package dev.switchboard.core;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.connector.Connector;
import dev.switchboard.core.connector.ConnectorContext;
import dev.switchboard.core.connector.Link;
import dev.switchboard.core.connector.ThirdPartyCapable;
import dev.switchboard.core.connector.CallHandling;
import dev.switchboard.core.connector.EditHandling;
import dev.switchboard.core.connector.MembershipHandling;
import dev.switchboard.core.connector.MessageHandling;
import dev.switchboard.core.connector.ReactionHandling;
import dev.switchboard.core.connector.RedactionHandling;
import dev.switchboard.core.connector.RoomStateHandling;
import dev.switchboard.core.event.CallSignal;
import dev.switchboard.core.event.MatrixEdit;
import dev.switchboard.core.event.MatrixEvent;
import dev.switchboard.core.event.MatrixMessage;
import dev.switchboard.core.event.MatrixReaction;
import dev.switchboard.core.event.MatrixRedaction;
import dev.switchboard.core.event.MembershipChange;
import dev.switchboard.core.event.RoomStateChange;
import dev.switchboard.core.id.RoomAlias;
import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.id.UserId;
import dev.switchboard.registration.NamespaceRegex;
import dev.switchboard.registration.Namespaces;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/** A connector for core tests: records what it is handed and answers queries from fixed data. */
public class RecordingConnector implements Connector, ThirdPartyCapable, MessageHandling, EditHandling,
    ReactionHandling, RedactionHandling, MembershipHandling, RoomStateHandling, CallHandling {
  /** An event as the connector saw it. */
  public record Received(String eventId, String roomId, String sender, Optional<Link> link) {}

  private final String protocol;
  private final String domain;
  public final List<Received> received = new CopyOnWriteArrayList<>();
  public volatile RoomId portalRoom = RoomId.of("!portal:test.local");

  private final Namespaces namespaces;

  public RecordingConnector(String protocol, String domain) {
    this.protocol = protocol;
    this.domain = domain;
    this.namespaces = new Namespaces(List.of(NamespaceRegex.users("_" + protocol + "_", domain)),
        List.of(NamespaceRegex.aliases("_" + protocol + "_", domain)), List.of());
  }

  @Override
  public String protocol() {
    return protocol;
  }

  @Override
  public Namespaces namespaces() {
    return namespaces;
  }

  @Override
  public void start(ConnectorContext context) {}

  @Override
  public void stop() {}

  @Override
  public CompletableFuture<Void> onMessage(MatrixMessage message, Link link) {
    return onEvent(message.event(), Optional.of(link));
  }

  @Override
  public CompletableFuture<Void> onEdit(MatrixEdit edit, Link link) {
    return onEvent(edit.event(), Optional.of(link));
  }

  @Override
  public CompletableFuture<Void> onReaction(MatrixReaction reaction, Link link) {
    return onEvent(reaction.event(), Optional.of(link));
  }

  @Override
  public CompletableFuture<Void> onRedaction(MatrixRedaction redaction, Link link) {
    return onEvent(redaction.event(), Optional.of(link));
  }

  @Override
  public CompletableFuture<Void> onMembership(MembershipChange change, Optional<Link> link) {
    return onEvent(change.event(), link);
  }

  @Override
  public CompletableFuture<Void> onRoomState(RoomStateChange change, Link link) {
    return onEvent(change.event(), Optional.of(link));
  }

  @Override
  public CompletableFuture<Void> onCall(CallSignal signal, Link link) {
    return onEvent(signal.event(), Optional.of(link));
  }

  /** Every kind the core sorts ends here; tests override this to answer events their own way. */
  public CompletableFuture<Void> onEvent(MatrixEvent event, Optional<Link> link) {
    received.add(new Received(event.eventId().value(), event.roomId().value(), event.sender().value(), link));
    return CompletableFuture.completedFuture(null);
  }

  public List<String> eventIds() {
    return received.stream().map(Received::eventId).toList();
  }

  @Override
  public CompletableFuture<Optional<RoomId>> onAliasQuery(RoomAlias alias) {
    boolean exists = alias.localpart().startsWith("_" + protocol + "_exists");
    return CompletableFuture.completedFuture(exists ? Optional.of(portalRoom) : Optional.empty());
  }

  @Override
  public CompletableFuture<Boolean> onUserQuery(UserId userId) {
    return CompletableFuture.completedFuture(userId.localpart().startsWith("_" + protocol + "_exists"));
  }

  @Override
  public ObjectNode thirdPartyProtocol() {
    ObjectNode p = JsonNodeFactory.instance.objectNode();
    p.putArray("user_fields").add("network").add("nickname");
    p.putArray("location_fields").add("network").add("channel");
    p.put("icon", "mxc://test.local/icon");
    ObjectNode types = p.putObject("field_types");
    for (String f : List.of("network", "nickname", "channel")) {
      types.putObject(f).put("regexp", ".*").put("placeholder", f);
    }
    ArrayNode instances = p.putArray("instances");
    ObjectNode inst = instances.addObject();
    inst.put("desc", "Test network");
    inst.put("network_id", "testnet");
    inst.putObject("fields").put("network", "testnet");
    return p;
  }

  @Override
  public CompletableFuture<ArrayNode> thirdPartyLocations(Map<String, String> fields) {
    ArrayNode out = JsonNodeFactory.instance.arrayNode();
    if (fields.containsKey("channel")) {
      ObjectNode loc = out.addObject();
      loc.put("alias", "#_" + protocol + "_testnet_" + fields.get("channel") + ":" + domain);
      loc.put("protocol", protocol);
      loc.putObject("fields").put("network", "testnet").put("channel", fields.get("channel"));
    }
    return CompletableFuture.completedFuture(out);
  }

  @Override
  public CompletableFuture<ArrayNode> thirdPartyUsers(Map<String, String> fields) {
    ArrayNode out = JsonNodeFactory.instance.arrayNode();
    if (fields.containsKey("nickname")) {
      ObjectNode user = out.addObject();
      user.put("userid", "@_" + protocol + "_testnet_" + fields.get("nickname") + ":" + domain);
      user.put("protocol", protocol);
      user.putObject("fields").put("network", "testnet").put("nickname", fields.get("nickname"));
    }
    return CompletableFuture.completedFuture(out);
  }

  @Override
  public CompletableFuture<ArrayNode> thirdPartyLocationsForAlias(String alias) {
    return thirdPartyLocations(alias.startsWith("#_" + protocol + "_") ? Map.of("channel", "x") : Map.of());
  }

  @Override
  public CompletableFuture<ArrayNode> thirdPartyUsersForUserId(String userId) {
    return thirdPartyUsers(userId.startsWith("@_" + protocol + "_") ? Map.of("nickname", "x") : Map.of());
  }

}
