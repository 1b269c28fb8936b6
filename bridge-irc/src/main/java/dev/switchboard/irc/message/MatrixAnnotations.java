package dev.switchboard.irc.message;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.core.event.MatrixEvent;
import dev.switchboard.core.id.EventId;
import dev.switchboard.irc.format.MessageKind;
import dev.switchboard.irc.network.NetworkConfig;
import dev.switchboard.irc.portal.ChannelRef;
import dev.switchboard.irc.puppet.Puppets;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Matrix reactions and redactions, which IRC has no words for, as short lines from the user's puppet: a reaction as
 * an action ({@code * bob reacted 👍 to alice}), a redaction of a bridged message as a notice ({@code (deleted a
 * message from alice)}). Each is configurable per network and only sent for messages the message map knows, so
 * reactions to history from before the portal stay quiet.
 */
public final class MatrixAnnotations {
  /** Reaction keys are free text: a long one is cut, at code points. */
  private static final int MAX_KEY_CODE_POINTS = 32;

  private final Puppets puppets;
  private final ChannelMessageMap map;
  private final NetworkConfig.Reactions reactions;
  private final NetworkConfig.Redactions redactions;

  public MatrixAnnotations(Puppets puppets, ChannelMessageMap map, NetworkConfig.Reactions reactions,
      NetworkConfig.Redactions redactions) {
    this.puppets = puppets;
    this.map = map;
    this.reactions = reactions;
    this.redactions = redactions;
  }

  /** An {@code m.reaction} in a portal. */
  public CompletableFuture<Void> reaction(MatrixEvent event, ChannelRef channel) {
    return reaction(event, channel, Voice.puppet(puppets, event.sender(), channel));
  }

  /** An {@code m.reaction} in a portal, said by {@code voice}. */
  public CompletableFuture<Void> reaction(MatrixEvent event, ChannelRef channel, Voice voice) {
    JsonNode relates = event.content().path("m.relates_to");
    if (reactions == NetworkConfig.Reactions.OFF || !"m.annotation".equals(relates.path("rel_type").asText())
        || !relates.path("event_id").isTextual()) {
      return CompletableFuture.completedFuture(null);
    }
    String key = oneLine(relates.path("key").asText(""));
    if (key.isBlank()) {
      return CompletableFuture.completedFuture(null);
    }
    return author(relates.path("event_id").asText()).thenCompose(nick -> nick.isEmpty()
        ? CompletableFuture.completedFuture(null)
        : say(voice, MessageKind.EMOTE, "reacted " + key + " to "
            + (isOwn(voice, nick.get()) ? "their own message" : nick.get())));
  }

  /** An {@code m.room.redaction} in a portal. */
  public CompletableFuture<Void> redaction(MatrixEvent event, ChannelRef channel) {
    return redaction(event, channel, Voice.puppet(puppets, event.sender(), channel));
  }

  /** An {@code m.room.redaction} in a portal, said by {@code voice}. */
  public CompletableFuture<Void> redaction(MatrixEvent event, ChannelRef channel, Voice voice) {
    // Room versions up to 10 carry the redacted id at the top level, 11 in the content.
    JsonNode redacts = event.content().path("redacts").isTextual() ? event.content().path("redacts")
        : event.raw().path("redacts");
    if (redactions == NetworkConfig.Redactions.OFF || !redacts.isTextual()) {
      return CompletableFuture.completedFuture(null);
    }
    return author(redacts.asText()).thenCompose(nick -> nick.isEmpty()
        ? CompletableFuture.completedFuture(null)
        : say(voice, MessageKind.NOTICE, isOwn(voice, nick.get())
            ? "(deleted a message)" : "(deleted a message from " + nick.get() + ")"));
  }

  private static CompletableFuture<Void> say(Voice voice, MessageKind kind, String text) {
    java.util.List<String> lines = voice.lines(kind, text);
    return lines.isEmpty() ? CompletableFuture.completedFuture(null) : voice.send(kind, lines, null);
  }

  private static boolean isOwn(Voice voice, String nick) {
    return voice.author().map(n -> n.equalsIgnoreCase(nick)).orElse(false);
  }

  /**
   * The IRC nick of the message's author. A message relayed from IRC a moment ago may not be recorded yet when a
   * quick reaction arrives (the homeserver has the event before our row is written), so a miss is asked again once,
   * a second later.
   */
  private CompletableFuture<Optional<String>> author(String eventId) {
    EventId id;
    try {
      id = EventId.of(eventId);
    } catch (IllegalArgumentException notAnEventId) {
      return CompletableFuture.completedFuture(Optional.empty());
    }
    return map.authorOfRecent(id).exceptionally(e -> Optional.empty());
  }

  private static String oneLine(String key) {
    String clean = key.replaceAll("[\\p{Cntrl}\\u0085\\u2028\\u2029]+", " ").strip();
    int end = clean.offsetByCodePoints(0, Math.min(MAX_KEY_CODE_POINTS, clean.codePointCount(0, clean.length())));
    return clean.substring(0, end);
  }
}
