package dev.switchboard.xmpp.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.id.RoomAlias;
import dev.switchboard.testkit.fixture.Fixture;
import dev.switchboard.testkit.homeserver.TestUser;
import dev.switchboard.testkit.xmpp.ProsodyServer;
import dev.switchboard.xmpp.MucFixture;
import dev.switchboard.xmpp.XmppClient;
import dev.switchboard.xmpp.address.GatewayJids;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.jivesoftware.smackx.disco.ServiceDiscoveryManager;
import org.jivesoftware.smackx.disco.packet.DiscoverInfo;
import org.jivesoftware.smackx.disco.packet.DiscoverItems;
import org.jivesoftware.smackx.search.ReportedData;
import org.jivesoftware.smackx.search.UserSearchManager;
import org.jivesoftware.smackx.xdata.form.FillableForm;
import org.jivesoftware.smackx.xdata.packet.DataForm;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.jxmpp.jid.DomainBareJid;
import org.jxmpp.jid.impl.JidCreate;

/**
 * The homeserver's published room directory from XMPP, with a real Smack client on Prosody: disco#items on the
 * component lists the published rooms that have an alias, and jabber:iq:search (XEP-0055) finds them by name, alias
 * or topic.
 */
class RoomDirectoryTest {
  @TempDir
  Path dir;
  @RegisterExtension
  final Fixture<MucFixture> f = Fixture.of(() -> MucFixture.start(dir));
  private XmppClient dave;

  @AfterEach
  void stop() {
    if (dave != null) {
      dave.close();
    }
  }

  private static ObjectNode room(String alias, String name, String topic, boolean published) {
    ObjectNode body = JsonNodeFactory.instance.objectNode().put("preset", "public_chat");
    if (published) {
      body.put("visibility", "public");
    }
    if (alias != null) {
      body.put("room_alias_name", alias);
    }
    if (name != null) {
      body.put("name", name);
    }
    if (topic != null) {
      body.put("topic", topic);
    }
    return body;
  }

  private String gatewayJid(String alias) {
    return new GatewayJids(ProsodyServer.COMPONENT).jidOf(RoomAlias.of("#" + alias + ":" + f.get().hs.serverName()))
        .toString();
  }

  private void publish(TestUser user, String roomId) throws Exception {
    HttpRequest put = HttpRequest.newBuilder(URI.create(f.get().hs.baseUrl() + "/_matrix/client/v3/directory/list/room/"
            + URLEncoder.encode(roomId, StandardCharsets.UTF_8)))
        .header("Authorization", "Bearer " + user.accessToken())
        .header("Content-Type", "application/json")
        .PUT(HttpRequest.BodyPublishers.ofString("{\"visibility\": \"public\"}")).build();
    HttpResponse<String> response = HttpClient.newHttpClient().send(put, HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
  }

  @Test
  void publishedRoomsWithAliasesAreListedAndSearchable() throws Exception {
    TestUser alice = f.get().hs.user("alice");
    alice.createRoom(room("hall", "The Hall", "talk about halls & <corridors>", true));
    String garden = alice.createRoom(room("garden", null, "plants", false));
    publish(alice, garden); // published afterwards, through the directory API
    alice.createRoom(room(null, "No alias", "unreachable from XMPP", true));
    alice.createRoom(room("secret", "Secret", "not published", false));
    dave = XmppClient.login(f.get().prosody, "dave");
    DomainBareJid component = JidCreate.domainBareFrom(ProsodyServer.COMPONENT);

    ServiceDiscoveryManager disco = ServiceDiscoveryManager.getInstanceFor(dave.connection);
    DiscoverInfo info = disco.discoverInfo(component);
    assertThat(info.containsFeature("jabber:iq:search")).isTrue();
    assertThat(info.containsFeature("http://jabber.org/protocol/xhtml-im")).isTrue();

    DiscoverItems items = disco.discoverItems(component);
    Map<String, String> listed = items.getItems().stream().collect(Collectors.toMap(i -> i.getEntityID().toString(),
        i -> i.getName() == null ? "" : i.getName()));
    assertThat(listed).containsOnly(Map.entry(gatewayJid("hall"), "The Hall"),
        Map.entry(gatewayJid("garden"), "#garden:" + f.get().hs.serverName()));

    UserSearchManager search = new UserSearchManager(dave.connection);
    DataForm form = search.getSearchForm(component);
    assertThat(form.getField("search")).isNotNull();
    assertThat(searchFor(search, form, component, "hall")).containsExactly(gatewayJid("hall"));
    assertThat(searchFor(search, form, component, "CORRIDORS")).containsExactly(gatewayJid("hall"));
    assertThat(searchFor(search, form, component, "garden")).containsExactly(gatewayJid("garden"));
    assertThat(searchFor(search, form, component, "secret")).isEmpty();
    assertThat(searchFor(search, form, component, "")).containsExactlyInAnyOrder(gatewayJid("hall"),
        gatewayJid("garden"));

    FillableForm answer = new FillableForm(form);
    answer.setAnswer("search", "hall");
    ReportedData.Row row = search.getSearchResults(answer.getDataFormToSubmit(), component).getRows().get(0);
    assertThat(row.getValues("name")).extracting(CharSequence::toString).containsExactly("The Hall");
    assertThat(row.getValues("topic")).extracting(CharSequence::toString)
        .containsExactly("talk about halls & <corridors>");
    assertThat(row.getValues("members")).extracting(CharSequence::toString).containsExactly("1");
    f.get().hs.assertNoSchemaViolations();
  }

  private static List<String> searchFor(UserSearchManager search, DataForm form, DomainBareJid component,
      String term) throws Exception {
    FillableForm answer = new FillableForm(form);
    if (!term.isEmpty()) {
      answer.setAnswer("search", term);
    }
    return search.getSearchResults(answer.getDataFormToSubmit(), component).getRows().stream()
        .map(r -> r.getValues("jid").get(0).toString()).toList();
  }
}
