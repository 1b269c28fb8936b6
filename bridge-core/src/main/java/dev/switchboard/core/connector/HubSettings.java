package dev.switchboard.core.connector;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.core.config.ConfigException;

/**
 * How a connector shows other networks' ghosts in hub rooms, from the {@code hub:} block of its config section:
 *
 * <pre>
 * irc:                       # or xmpp:
 *   hub:
 *     foreign_name: "{name}[{network}]"   # alice from IRC shows as alice[irc] in the MUC
 *     foreign_members: speakers           # or all: foreign ghosts join the remote room with the Matrix room
 *     topics: true                        # topics set on the room's other networks are set here too
 * </pre>
 *
 * @param nameTemplate contains {@code {name}} (the ghost's display name) and may contain {@code {network}} (the
 *     protocol of the ghost's connector)
 * @param allJoins true: a foreign ghost joining the Matrix room joins the remote room too; false (default): only
 *     once it speaks, so lurkers cost no remote connection
 * @param topics true (default): a topic set on another linked network is set on this one too, by the bridge
 */
public record HubSettings(String nameTemplate, boolean allJoins, boolean topics) {
  public static final HubSettings DEFAULT = new HubSettings("{name}[{network}]", false, true);

  /** Reads {@code <section>.hub}; a bad value fails the start naming the key. */
  public static HubSettings from(JsonNode connectorSection, String sectionName) {
    JsonNode hub = connectorSection.path("hub");
    if (hub.isMissingNode() || hub.isNull()) {
      return DEFAULT;
    }
    String key = sectionName + ".hub";
    if (!hub.isObject()) {
      throw new ConfigException(key + " must be a map such as { foreign_name: \"{name}[{network}]\" }, got " + hub);
    }
    String template = DEFAULT.nameTemplate();
    JsonNode name = hub.path("foreign_name");
    if (!name.isMissingNode()) {
      if (!name.isTextual() || !name.asText().contains("{name}") || name.asText().length() > 64) {
        throw new ConfigException(key + ".foreign_name must be text with {name} in it (and {network} if you "
            + "like), at most 64 characters, e.g. \"{name}[{network}]\", got " + name);
      }
      template = name.asText();
    }
    boolean all = DEFAULT.allJoins();
    JsonNode members = hub.path("foreign_members");
    if (!members.isMissingNode()) {
      if (!members.isTextual() || !(members.asText().equals("speakers") || members.asText().equals("all"))) {
        throw new ConfigException(key + ".foreign_members must be 'speakers' or 'all', got " + members);
      }
      all = members.asText().equals("all");
    }
    boolean topics = DEFAULT.topics();
    JsonNode t = hub.path("topics");
    if (!t.isMissingNode()) {
      if (!t.isBoolean()) {
        throw new ConfigException(key + ".topics must be true or false, got " + t);
      }
      topics = t.asBoolean();
    }
    return new HubSettings(template, all, topics);
  }

  /** The name a foreign ghost shows with, e.g. {@code alice[irc]}. */
  public String nameOf(String name, String network) {
    return nameTemplate.replace("{name}", name).replace("{network}", network);
  }
}
