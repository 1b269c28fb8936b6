package dev.switchboard.testkit.homeserver;

import static dev.switchboard.testkit.homeserver.MatrixHttp.enc;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.testkit.spec.SpecSchemas;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The published room directory: visibility, {@code GET/POST /publicRooms} with search and paging. */
class PublicRoomsTest {
  private static final String V3 = "/_matrix/client/v3";
  private static SpecSchemas spec;
  private TestHomeserver hs;

  @BeforeAll
  static void loadSpec() {
    spec = SpecSchemas.load();
  }

  @BeforeEach
  void start() {
    hs = TestHomeserver.start(Options.defaults(), spec);
  }

  @AfterEach
  void stop() {
    hs.close();
  }

  private static List<String> ids(JsonNode body) {
    List<String> ids = new ArrayList<>();
    body.path("chunk").forEach(r -> ids.add(r.path("room_id").asText()));
    return ids;
  }

  @Test
  void publishedRoomsAreListedSearchedAndPaged() throws Exception {
    TestUser alice = hs.user("alice");
    TestUser bob = hs.user("bob");
    ObjectNode big = JsonNodeFactory.instance.objectNode().put("preset", "public_chat").put("visibility", "public")
        .put("room_alias_name", "big").put("name", "Big Room").put("topic", "lots of people");
    String bigRoom = alice.createRoom(big);
    bob.join(bigRoom);
    String small = alice.createRoom(RoomSpec.publicRoom().name("Small"));
    String hidden = alice.createRoom(RoomSpec.publicRoom().name("Hidden"));
    MatrixHttp asAlice = new MatrixHttp(hs.baseUrl(), alice.accessToken());
    MatrixHttp asBob = new MatrixHttp(hs.baseUrl(), bob.accessToken());

    assertThat(asAlice.get(V3 + "/directory/list/room/" + enc(small)).body().path("visibility").asText())
        .isEqualTo("private");
    assertThat(asBob.put(V3 + "/directory/list/room/" + enc(small), "{\"visibility\":\"public\"}").status())
        .isEqualTo(403);
    assertThat(asAlice.put(V3 + "/directory/list/room/" + enc(small), "{\"visibility\":\"public\"}").status())
        .isEqualTo(200);
    assertThat(asAlice.get(V3 + "/directory/list/room/" + enc(small)).body().path("visibility").asText())
        .isEqualTo("public");

    MatrixHttp.Answer all = asBob.get(V3 + "/publicRooms");
    assertThat(all.status()).isEqualTo(200);
    assertThat(ids(all.body())).containsExactly(bigRoom, small).doesNotContain(hidden);
    JsonNode first = all.body().path("chunk").get(0);
    assertThat(first.path("canonical_alias").asText()).isEqualTo("#big:" + hs.serverName());
    assertThat(first.path("name").asText()).isEqualTo("Big Room");
    assertThat(first.path("topic").asText()).isEqualTo("lots of people");
    assertThat(first.path("num_joined_members").asInt()).isEqualTo(2);
    assertThat(first.path("join_rule").asText()).isEqualTo("public");

    MatrixHttp.Answer page = asBob.get(V3 + "/publicRooms?limit=1");
    assertThat(ids(page.body())).containsExactly(bigRoom);
    MatrixHttp.Answer next = asBob.post(V3 + "/publicRooms", "{\"limit\":1,\"since\":\""
        + page.body().path("next_batch").asText() + "\"}");
    assertThat(ids(next.body())).containsExactly(small);
    assertThat(next.body().has("next_batch")).isFalse();

    MatrixHttp.Answer found = asBob.post(V3 + "/publicRooms", "{\"filter\":{\"generic_search_term\":\"PEOPLE\"}}");
    assertThat(ids(found.body())).containsExactly(bigRoom);

    asAlice.put(V3 + "/directory/list/room/" + enc(small), "{\"visibility\":\"private\"}");
    assertThat(ids(asBob.get(V3 + "/publicRooms").body())).containsExactly(bigRoom);
    hs.assertNoSchemaViolations();
  }
}
