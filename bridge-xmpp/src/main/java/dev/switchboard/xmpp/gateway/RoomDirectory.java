package dev.switchboard.xmpp.gateway;

import static dev.switchboard.core.failure.Failures.rootCause;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.core.homeserver.Intent;
import dev.switchboard.core.id.RoomAlias;
import dev.switchboard.xmpp.address.GatewayJids;
import dev.switchboard.xmpp.stanza.XmlText;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.jivesoftware.smack.packet.IQ;
import org.jivesoftware.smack.packet.StanzaError;
import org.jivesoftware.smackx.search.UserSearch;
import org.jivesoftware.smackx.xdata.FormField;
import org.jivesoftware.smackx.xdata.packet.DataForm;
import org.jxmpp.jid.EntityBareJid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The homeserver's published room directory ({@code /publicRooms}) seen from XMPP: the rooms with a canonical alias
 * as gateway room JIDs, for disco#items on the component and for jabber:iq:search (XEP-0055, data form search by
 * name, alias or topic).
 */
final class RoomDirectory {
  /** The search namespace (XEP-0055). */
  static final String SEARCH_NS = UserSearch.NAMESPACE;
  /** At most this many directory rooms in one disco#items answer or search result. */
  static final int MAX_ROOMS = 200;
  private static final Logger log = LoggerFactory.getLogger(RoomDirectory.class);

  /** A directory room reachable from XMPP. */
  record Entry(EntityBareJid jid, String alias, String name, String topic, int members) {}

  private final Intent bot;
  private final GatewayJids jids;

  RoomDirectory(Intent bot, GatewayJids jids) {
    this.bot = bot;
    this.jids = jids;
  }

  /** The published rooms with a canonical alias, largest first (as the homeserver orders them). */
  CompletableFuture<List<Entry>> rooms(String searchTerm) {
    return bot.publicRooms(MAX_ROOMS, null, searchTerm).thenApply(body -> {
      List<Entry> entries = new ArrayList<>();
      for (JsonNode room : body.path("chunk")) {
        String alias = room.path("canonical_alias").asText("");
        if (alias.isEmpty()) {
          continue; // no alias, no gateway JID
        }
        try {
          RoomAlias a = RoomAlias.of(alias);
          String name = room.path("name").asText("");
          entries.add(new Entry(jids.jidOf(a), alias, XmlText.clean(name.isBlank() ? alias : name),
              XmlText.clean(room.path("topic").asText("")), room.path("num_joined_members").asInt(0)));
        } catch (RuntimeException bad) {
          log.debug("Directory room {} has an alias that is no gateway JID: {}", room.path("room_id").asText(),
              bad.toString());
        }
      }
      return entries;
    });
  }

  /** XEP-0055 § 3.1 / § 3.2: the search form, or the results of a submitted one. */
  void answerSearch(IQ iq, java.util.function.Consumer<IQ> send) {
    if (iq.getType() == IQ.Type.get) {
      DataForm form = DataForm.builder(DataForm.Type.form)
          .setTitle("Matrix room directory")
          .addInstruction("Find public Matrix rooms by name, alias or topic. Leave empty to list them all.")
          .addField(FormField.buildHiddenFormType(SEARCH_NS))
          .addField(FormField.textSingleBuilder("search").setLabel("Name, alias or topic").build())
          .build();
      send.accept(result(iq, form));
      return;
    }
    if (iq.getType() != IQ.Type.set) {
      return;
    }
    DataForm submitted = DataForm.from(iq);
    if (submitted == null) {
      // The old field-based search (first, last, nick, email) is about people: not offered.
      send.accept(IQ.createErrorResponse(iq, StanzaError.getBuilder(StanzaError.Condition.bad_request)
          .setDescriptiveEnText("Submit the data form this service returns").build()));
      return;
    }
    FormField field = submitted.getField("search");
    String term = field == null || field.getFirstValue() == null ? null : field.getFirstValue().strip();
    rooms(term == null || term.isEmpty() ? null : term).whenComplete((entries, err) -> {
      if (err != null) {
        log.warn("Room directory search failed: {}", rootCause(err).toString());
        send.accept(IQ.createErrorResponse(iq, StanzaError.Condition.internal_server_error));
        return;
      }
      DataForm.Builder out = DataForm.builder(DataForm.Type.result).setTitle("Matrix rooms")
          .addField(FormField.buildHiddenFormType(SEARCH_NS))
          .setReportedData(new DataForm.ReportedData(List.of(
              FormField.jidSingleBuilder("jid").setLabel("Address").build(),
              FormField.textSingleBuilder("name").setLabel("Name").build(),
              FormField.textSingleBuilder("alias").setLabel("Matrix alias").build(),
              FormField.textSingleBuilder("topic").setLabel("Topic").build(),
              FormField.textSingleBuilder("members").setLabel("Members").build())));
      for (Entry e : entries) {
        out.addItem(new DataForm.Item(List.of(
            FormField.jidSingleBuilder("jid").setValue(e.jid()).build(),
            FormField.textSingleBuilder("name").setValue(e.name()).build(),
            FormField.textSingleBuilder("alias").setValue(e.alias()).build(),
            FormField.textSingleBuilder("topic").setValue(e.topic()).build(),
            FormField.textSingleBuilder("members").setValue(Integer.toString(e.members())).build())));
      }
      send.accept(result(iq, out.build()));
    });
  }

  private static IQ result(IQ request, DataForm form) {
    UserSearch answer = new UserSearch();
    answer.setType(IQ.Type.result);
    answer.setStanzaId(request.getStanzaId());
    answer.setTo(request.getFrom());
    answer.setFrom(request.getTo());
    answer.addExtension(form);
    return answer;
  }
}
