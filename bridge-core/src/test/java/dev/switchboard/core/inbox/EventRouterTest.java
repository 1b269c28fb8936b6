package dev.switchboard.core.inbox;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.core.connector.Connector;
import dev.switchboard.core.connector.ConnectorContext;
import dev.switchboard.core.connector.EditHandling;
import dev.switchboard.core.connector.Link;
import dev.switchboard.core.connector.MembershipHandling;
import dev.switchboard.core.connector.MessageHandling;
import dev.switchboard.core.event.EventKind;
import dev.switchboard.core.event.MatrixEdit;
import dev.switchboard.core.event.MatrixEvent;
import dev.switchboard.core.event.MatrixEvents;
import dev.switchboard.core.event.MatrixMessage;
import dev.switchboard.core.event.MembershipChange;
import dev.switchboard.core.id.EventId;
import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.permission.Refusals;
import dev.switchboard.registration.Namespaces;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class EventRouterTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Link LINK = new Link(RoomId.of("!r:x.org"), "irc", "libera/#a", false);

  private final List<String> calls = new ArrayList<>();
  private final List<String> reported = new ArrayList<>();
  private final Refusals refusals = new Refusals() {
    @Override
    public void refused(MatrixEvent event) {}

    @Override
    public void unsupported(MatrixEvent event, EventKind kind, String protocol) {
      reported.add(kind + " " + protocol + " " + event.eventId().value());
    }
  };
  private final EventRouter router = new EventRouter(refusals);

  /** Takes messages and membership, nothing else. */
  private final class MessagesOnly extends Stub implements MessageHandling, MembershipHandling {
    @Override
    public CompletableFuture<Void> onMessage(MatrixMessage message, Link link) {
      calls.add("message " + message.replyTo().map(EventId::value).orElse("-"));
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletableFuture<Void> onMembership(MembershipChange change, Optional<Link> link) {
      calls.add("member " + change.subject().value() + " " + change.membership() + " " + link.isPresent());
      return CompletableFuture.completedFuture(null);
    }
  }

  private final class Edits extends Stub implements EditHandling {
    @Override
    public CompletableFuture<Void> onEdit(MatrixEdit edit, Link link) {
      calls.add("edit " + edit.replaces().value() + " " + edit.newContent().path("body").asText());
      return CompletableFuture.completedFuture(null);
    }
  }

  @Test
  void eachKindGoesToItsHandlerOnce() throws Exception {
    router.deliver(new MessagesOnly(), event("$1", "m.room.message", null,
        "{\"body\":\"hi\",\"m.relates_to\":{\"m.in_reply_to\":{\"event_id\":\"$0\"}}}"), Optional.of(LINK));
    router.deliver(new MessagesOnly(), event("$2", "m.room.member", "@bob:x.org", "{\"membership\":\"invite\"}"),
        Optional.empty());
    router.deliver(new Edits(), event("$3", "m.room.message", null,
        "{\"body\":\"* b\",\"m.new_content\":{\"body\":\"b\"},\"m.relates_to\":{\"rel_type\":\"m.replace\","
            + "\"event_id\":\"$1\"}}"), Optional.of(LINK));
    assertThat(calls).containsExactly("message $0", "member @bob:x.org invite false", "edit $1 b");
    assertThat(reported).isEmpty();
  }

  @Test
  void contentWithoutAHandlerIsReportedAndSettingsAreNot() throws Exception {
    // An encrypted message is content nobody can be given (the bridge cannot decrypt): its sender is told too.
    MessagesOnly c = new MessagesOnly();
    router.deliver(c, event("$5", "m.room.message", null,
        "{\"body\":\"* b\",\"m.relates_to\":{\"rel_type\":\"m.replace\",\"event_id\":\"$1\"}}"), Optional.of(LINK));
    router.deliver(c, event("$6", "m.reaction", null,
        "{\"m.relates_to\":{\"rel_type\":\"m.annotation\",\"event_id\":\"$1\",\"key\":\"+1\"}}"), Optional.of(LINK));
    router.deliver(c, event("$7", "m.room.topic", "", "{\"topic\":\"t\"}"), Optional.of(LINK));
    router.deliver(c, event("$8", "m.room.encrypted", null, "{}"), Optional.of(LINK));
    router.deliver(c, event("$9", "m.room.message", null, "{\"body\":\"x\"}"), Optional.empty());
    assertThat(calls).isEmpty();
    assertThat(reported).containsExactly("EDIT irc $5", "REACTION irc $6", "ENCRYPTED irc $8");
  }

  @Test
  void kindsAreSortedByTypeAndRelation() throws Exception {
    assertThat(EventKind.of(event("$1", "m.sticker", null, "{}"))).isEqualTo(EventKind.MESSAGE);
    assertThat(EventKind.of(event("$1", "m.room.redaction", null, "{\"redacts\":\"$0\"}")))
        .isEqualTo(EventKind.REDACTION);
    assertThat(EventKind.redaction(event("$1", "m.room.redaction", null, "{\"redacts\":\"$0\"}")).redacts().value())
        .isEqualTo("$0");
    assertThat(EventKind.of(event("$1", "m.room.redaction", null, "{}"))).isEqualTo(EventKind.OTHER);
    assertThat(EventKind.of(event("$1", "m.call.invite", null, "{\"call_id\":\"c\"}"))).isEqualTo(EventKind.CALL);
    assertThat(EventKind.call(event("$1", "m.call.invite", null, "{\"call_id\":\"c\"}")).callId()).isEqualTo("c");
    assertThat(EventKind.of(event("$1", "m.room.name", "", "{}"))).isEqualTo(EventKind.ROOM_STATE);
    assertThat(EventKind.of(event("$1", "m.reaction", null, "{}"))).isEqualTo(EventKind.OTHER);
    assertThat(EventKind.of(event("$1", "m.room.encrypted", null, "{}"))).isEqualTo(EventKind.ENCRYPTED);
    assertThat(EventKind.of(event("$1", "m.room.encryption", "", "{}"))).isEqualTo(EventKind.ROOM_STATE);
    assertThat(EventKind.membership(event("$1", "m.room.member", "not-a-user", "{\"membership\":\"join\"}")))
        .isEmpty();
  }

  private static MatrixEvent event(String id, String type, String stateKey, String content) throws Exception {
    String state = stateKey == null ? "" : ",\"state_key\":\"" + stateKey + "\"";
    JsonNode raw = JSON.readTree("{\"event_id\":\"" + id + "\",\"room_id\":\"!r:x.org\",\"sender\":\"@alice:x.org\","
        + "\"type\":\"" + type + "\",\"origin_server_ts\":1" + state + ",\"content\":" + content + "}");
    return MatrixEvents.fromJson(raw);
  }

  private abstract static class Stub implements Connector {
    @Override
    public String protocol() {
      return "irc";
    }

    @Override
    public Namespaces namespaces() {
      return null;
    }

    @Override
    public void start(ConnectorContext context) {}

    @Override
    public void stop() {}
  }
}
