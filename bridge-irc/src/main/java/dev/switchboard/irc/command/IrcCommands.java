package dev.switchboard.irc.command;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.command.Command;
import dev.switchboard.core.command.CommandCall;
import dev.switchboard.core.command.Scope;
import dev.switchboard.core.homeserver.Intent;
import dev.switchboard.core.id.RoomAlias;
import dev.switchboard.core.id.UserId;
import dev.switchboard.core.permission.Level;
import dev.switchboard.core.store.LoginStore;
import dev.switchboard.core.store.Secret;
import dev.switchboard.irc.network.IrcConnection;
import dev.switchboard.irc.network.NetworkConfig;
import dev.switchboard.irc.portal.ChannelName;
import dev.switchboard.irc.portal.ChannelKeys;
import dev.switchboard.irc.portal.ChannelPortals;
import dev.switchboard.irc.portal.ChannelRef;
import dev.switchboard.irc.puppet.PuppetNick;
import dev.switchboard.irc.puppet.Puppets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.regex.Pattern;

/**
 * The IRC admin-room commands, called as {@code !irc <name> ...}: a user's own IRC identity (nick, ident user name,
 * stored password), their connection (reconnect, quit, a safe subset of raw commands) and their channels (join,
 * part, list, whois). Every command takes an optional network last; with one network it may be left out.
 *
 * <p>Choices are stored in core's login table ({@code protocol irc}, the network as its network): the nick as the
 * remote id, the user name in the settings JSON, the password sealed by core's {@code SecretBox}; never logged.
 */
public final class IrcCommands {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern USERNAME = Pattern.compile("[a-z0-9_-]{1,10}");
  private static final Duration WHOIS_TIMEOUT = Duration.ofSeconds(15);

  /**
   * Commands a user may send raw with {@code !irc cmd}: queries and channel management, which cannot take the
   * connection out of the bridge's hands. Refused: registration and state the bridge manages (NICK, JOIN, PART,
   * QUIT, USER, PASS, CAP, AUTHENTICATE, PING, PONG), and server operator commands.
   */
  public static final Set<String> SAFE_RAW_COMMANDS = Set.of("AWAY", "MODE", "INVITE", "KICK", "TOPIC", "WHO",
      "WHOIS", "WHOWAS", "NAMES", "LIST", "MOTD", "TIME", "VERSION", "LUSERS", "ADMIN", "INFO", "ISON", "USERHOST",
      "PRIVMSG", "NOTICE");

  /** One network's parts the commands use. */
  public record NetworkHandle(NetworkConfig config, IrcConnection bot, Puppets puppets) {}

  private final Map<String, NetworkHandle> networks;
  private final LoginStore logins;
  private final ChannelPortals portals;
  private final Intent bot;
  private final String aliasPrefix;
  private final String domain;
  private final Executor blocking;

  private ChannelKeys keys;

  /** Enables {@code !irc key} and keys in {@code !irc join}. */
  public IrcCommands withChannelKeys(ChannelKeys keys) {
    this.keys = keys;
    return this;
  }

  public IrcCommands(Map<String, NetworkHandle> networks, LoginStore logins, ChannelPortals portals, Intent bot,
      String aliasPrefix, String domain, Executor blocking) {
    this.networks = Map.copyOf(networks);
    this.logins = logins;
    this.portals = portals;
    this.bot = bot;
    this.aliasPrefix = aliasPrefix;
    this.domain = domain;
    this.blocking = blocking;
  }

  /** Reads the stored choices of every user into the networks' puppets. Blocking: call at start. */
  public void loadStoredChoices() {
    networks.forEach((id, n) -> {
      for (LoginStore.Login login : logins.loginsOn(ChannelPortals.PROTOCOL, id)) {
        n.puppets().chooseNick(login.key().userId(), login.remoteId().filter(PuppetNick::isValid));
        n.puppets().chooseUsername(login.key().userId(), username(login));
        n.puppets().choosePassword(login.key().userId(), login.secret().map(Secret::value));
      }
    });
  }

  public List<Command> commands() {
    List<Command> out = new ArrayList<>();
    out.add(user("nick", "<nick> [network]", "change your IRC nick (kept for later connections)", this::nick));
    out.add(user("username", "<name> [network]", "set your IRC user name (ident), used from your next connection",
        this::username));
    out.add(user("storepass", "<password> [network]",
        "store your IRC account password (encrypted) for SASL PLAIN on your next connection", this::storePass));
    out.add(user("removepass", "[network]", "forget your stored IRC password", this::removePass));
    out.add(user("join", "<channel> [key] [network]", "get invited to the room of an IRC channel (with its key, "
        + "if it has one)", this::join));
    out.add(user("key", "<channel> <key> [network]", "give the bridge the key of a +k channel (before plumbing it, "
        + "or after it changed)", this::key));
    out.add(user("part", "<channel> [network]", "leave an IRC channel (and its room)", this::part));
    out.add(user("listrooms", "[network]", "list the IRC channels your connection is in", this::listRooms));
    out.add(user("whois", "<nick> [network]", "look up an IRC user", this::whois));
    out.add(user("reconnect", "[network]", "reconnect your IRC connection (same channels)", this::reconnect));
    out.add(user("quit", "[network]", "disconnect from IRC and leave its channels", this::quit));
    out.add(user("cmd", "<line...>", "send a raw IRC command (" + String.join(", ", SAFE_RAW_COMMANDS.stream()
        .sorted().toList()) + "); start with a network id when there are several", this::cmd));
    return out;
  }

  private static Command user(String name, String syntax, String help,
      java.util.function.Function<CommandCall, CompletableFuture<String>> handler) {
    return Command.of(name, syntax, help, Level.USER, handler::apply).onlyIn(Scope.ADMIN_ROOM);
  }

  private String network(CommandCall call) {
    Optional<String> given = call.optionalArg("network");
    if (given.isPresent()) {
      if (!networks.containsKey(given.get())) {
        throw new IllegalArgumentException("There is no IRC network '" + given.get() + "'. Networks: "
            + String.join(", ", networks.keySet()));
      }
      return given.get();
    }
    if (networks.size() == 1) {
      return networks.keySet().iterator().next();
    }
    throw new IllegalArgumentException("Say which network: " + String.join(", ", networks.keySet()));
  }

  private LoginStore.LoginKey key(CommandCall call, String network) {
    return new LoginStore.LoginKey(call.sender(), ChannelPortals.PROTOCOL, network);
  }

  private CompletableFuture<String> nick(CommandCall call) {
    String network = network(call);
    NetworkHandle n = networks.get(network);
    String nick = call.arg("nick");
    int max = n.bot().serverNickLength().orElse(PuppetNick.RFC_NICK_LENGTH);
    if (!PuppetNick.isValid(nick) || nick.length() > max) {
      throw new IllegalArgumentException("'" + clean(nick) + "' is not a valid IRC nick on " + network + " (a letter "
          + "or one of []\\`_^{|} first, then letters, digits, []\\`_^{|}-, at most " + max + " characters).");
    }
    return update(call, network, login -> new Stored(Optional.of(nick), login.settings, login.secret)).thenApply(v -> {
      n.puppets().chooseNick(call.sender(), Optional.of(nick));
      n.puppets().existing(call.sender()).ifPresent(c -> c.requests().changeNick(nick));
      return "Your nick on " + network + " is now asked to be " + nick + " (the server may refuse it if it is taken).";
    });
  }

  private CompletableFuture<String> username(CommandCall call) {
    String network = network(call);
    String name = call.arg("name").toLowerCase(Locale.ROOT);
    if (!USERNAME.matcher(name).matches()) {
      throw new IllegalArgumentException("A user name is 1-10 characters of a-z, 0-9, '_' and '-'.");
    }
    return update(call, network, login -> {
      ObjectNode settings = login.settings.map(IrcCommands::parse).orElseGet(JSON::createObjectNode);
      settings.put("username", name);
      return new Stored(login.nick, Optional.of(settings.toString()), login.secret);
    }).thenApply(v -> {
      networks.get(network).puppets().chooseUsername(call.sender(), Optional.of(name));
      return "Your user name on " + network + " will be " + name + " from your next connection (!irc reconnect).";
    });
  }

  private CompletableFuture<String> storePass(CommandCall call) {
    String network = network(call);
    String password = call.arg("password");
    if (password.chars().anyMatch(c -> c < 0x20)) {
      throw new IllegalArgumentException("A password must not contain control characters.");
    }
    return update(call, network, login -> new Stored(login.nick, login.settings, Optional.of(password)))
        .thenApply(v -> {
          networks.get(network).puppets().choosePassword(call.sender(), Optional.of(password));
          return "Stored your password for " + network + " (encrypted). It is used for SASL PLAIN when your "
              + "connection next connects (!irc reconnect); consider redacting your message.";
        });
  }

  private CompletableFuture<String> removePass(CommandCall call) {
    String network = network(call);
    return update(call, network, login -> new Stored(login.nick, login.settings, Optional.empty())).thenApply(v -> {
      networks.get(network).puppets().choosePassword(call.sender(), Optional.empty());
      return "Forgot your password for " + network + ".";
    });
  }

  private record Stored(Optional<String> nick, Optional<String> settings, Optional<String> secret) {}

  /** Reads, changes and writes the user's login row on the blocking executor. */
  private CompletableFuture<Void> update(CommandCall call, String network,
      java.util.function.UnaryOperator<Stored> change) {
    LoginStore.LoginKey key = key(call, network);
    return CompletableFuture.runAsync(() -> {
      Optional<LoginStore.Login> login = logins.find(key);
      Stored before = new Stored(login.flatMap(LoginStore.Login::remoteId),
          login.flatMap(LoginStore.Login::settings), login.flatMap(LoginStore.Login::secret).map(Secret::value));
      Stored after = change.apply(before);
      logins.save(key, after.nick.orElse(null), after.settings.orElse(null), after.secret.map(Secret::new).orElse(null));
    }, blocking);
  }

  /**
   * Gives the bridge a channel's key: tried on the next JOIN (now, when the bot wants the channel and is not in it),
   * stored when the bot gets in. Ignored when the bot is in the channel already: it follows key changes there.
   */
  private String offerKey(String network, ChannelName channel, String key) {
    if (keys == null) {
      throw new IllegalArgumentException("Channel keys are not available.");
    }
    IrcConnection botConnection = networks.get(network).bot();
    if (botConnection.isIn(channel)) {
      return "The bridge is in " + channel + " already and follows its key; nothing to change.";
    }
    keys.offer(new ChannelRef(network, channel), key);
    botConnection.retryJoin(channel);
    return "The bridge will join " + channel + " with that key (kept once it gets in).";
  }

  private CompletableFuture<String> key(CommandCall call) {
    String network = network(call);
    ChannelName channel = channel(call);
    return CompletableFuture.completedFuture(offerKey(network, channel, call.arg("key")));
  }

  private CompletableFuture<String> join(CommandCall call) {
    // "!irc join #chan libera": one extra word that names a network is the network, not a key.
    if (call.optionalArg("network").isEmpty() && call.optionalArg("key").map(networks::containsKey).orElse(false)) {
      java.util.Map<String, String> args = new java.util.HashMap<>(call.arguments());
      args.put("network", args.remove("key"));
      call = new CommandCall(call.sender(), call.level(), call.room(), call.scope(), call.links(), call.eventId(),
          args);
    }
    String network = network(call);
    ChannelName channel = channel(call);
    Optional<String> key = call.optionalArg("key");
    String keyNote = key.map(k -> " " + offerKey(network, channel, k)).orElse("");
    RoomAlias alias = RoomAlias.of("#" + new ChannelRef(network, channel).aliasLocalpart(aliasPrefix) + ":" + domain);
    UserId sender = call.sender();
    // Asked by a user at level user (the command needs it): the portal is active at once, a dormant one wakes.
    return portals.open(alias, true).thenCompose(room -> room.map(r -> bot.invite(r, sender)
            .handle((v, err) -> "Invited you to " + alias.value() + (err == null ? "" : " (the invite failed: "
                + dev.switchboard.core.failure.Failures.rootMessage(err) + "; join the alias instead)") + keyNote))
        .orElseGet(() -> CompletableFuture.completedFuture(channel + " on " + network + " cannot be bridged "
            + "(not in channels_allowed?).")));
  }

  private CompletableFuture<String> part(CommandCall call) {
    String network = network(call);
    ChannelName channel = channel(call);
    Optional<IrcConnection> c = networks.get(network).puppets().existing(call.sender());
    if (c.isEmpty() || c.get().wantedChannels().stream().noneMatch(w -> w.key().equals(channel.key()))) {
      return CompletableFuture.completedFuture("You are not in " + channel + " on " + network + ".");
    }
    c.get().part(channel, "Left");
    Optional<dev.switchboard.core.id.RoomId> room = portals.roomOf(new ChannelRef(network, channel));
    return room.map(r -> bot.kick(r, call.sender(), "You left " + channel + " with !irc part")
            .handle((v, err) -> "Left " + channel + " on " + network + "."))
        .orElseGet(() -> CompletableFuture.completedFuture("Left " + channel + " on " + network + "."));
  }

  private CompletableFuture<String> listRooms(CommandCall call) {
    StringBuilder b = new StringBuilder();
    for (String network : call.optionalArg("network").map(n -> List.of(network(call))).orElse(
        networks.keySet().stream().sorted().toList())) {
      Optional<IrcConnection> c = networks.get(network).puppets().existing(call.sender());
      List<ChannelName> channels = c.map(IrcConnection::wantedChannels).orElse(List.of());
      b.append(b.length() == 0 ? "" : "\n").append(network).append(": ");
      if (c.isEmpty()) {
        b.append("not connected");
        continue;
      }
      b.append(c.get().nick()).append(", ");
      b.append(channels.isEmpty() ? "in no channels" : "in " + String.join(" ", channels.stream()
          .map(ChannelName::value).sorted().toList()));
      c.get().sasl().describe().ifPresent(sasl -> b.append(", ").append(sasl));
    }
    return CompletableFuture.completedFuture(b.toString());
  }

  private CompletableFuture<String> whois(CommandCall call) {
    String network = network(call);
    String nick = call.arg("nick");
    NetworkHandle n = networks.get(network);
    Optional<UserId> matrixUser = n.puppets().userOfNick(nick);
    return n.bot().requests().whois(nick, WHOIS_TIMEOUT).handle((answer, err) -> {
      if (err != null) {
        Throwable root = dev.switchboard.core.failure.Failures.rootCause(err);
        return root instanceof IllegalArgumentException ? root.getMessage()
            : "No answer from " + network + " about " + clean(nick) + ".";
      }
      return answer + matrixUser.map(u -> " (Matrix user " + u.value() + ")").orElse("");
    });
  }

  private CompletableFuture<String> reconnect(CommandCall call) {
    String network = network(call);
    Puppets puppets = networks.get(network).puppets();
    puppets.disconnect(call.sender(), "Reconnecting", true);
    IrcConnection c = puppets.of(call.sender());
    return CompletableFuture.completedFuture("Reconnecting to " + network + " as " + c.nick() + ".");
  }

  private CompletableFuture<String> quit(CommandCall call) {
    String network = network(call);
    boolean was = networks.get(network).puppets().disconnect(call.sender(), "Quit", false);
    return CompletableFuture.completedFuture(was ? "Disconnected from " + network + ". Speaking in one of its rooms "
        + "connects you again." : "You are not connected to " + network + ".");
  }

  private CompletableFuture<String> cmd(CommandCall call) {
    String line = call.arg("line").strip();
    String network;
    int space = line.indexOf(' ');
    String first = space < 0 ? line : line.substring(0, space);
    if (networks.containsKey(first) && networks.size() > 1) {
      network = first;
      line = space < 0 ? "" : line.substring(space + 1).strip();
    } else if (networks.size() == 1) {
      network = networks.keySet().iterator().next();
    } else {
      throw new IllegalArgumentException("Start with the network: " + String.join(", ", networks.keySet()));
    }
    if (line.isEmpty() || line.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
      throw new IllegalArgumentException("Give one IRC command without control characters, e.g. !irc cmd AWAY :lunch");
    }
    String command = (line.indexOf(' ') < 0 ? line : line.substring(0, line.indexOf(' '))).toUpperCase(Locale.ROOT);
    if (!SAFE_RAW_COMMANDS.contains(command)) {
      throw new IllegalArgumentException(clean(command) + " cannot be sent through the bridge. Allowed: "
          + String.join(", ", SAFE_RAW_COMMANDS.stream().sorted().toList()) + ".");
    }
    IrcConnection c = networks.get(network).puppets().of(call.sender());
    c.requests().sendRaw(command + line.substring(command.length()));
    return CompletableFuture.completedFuture("Sent " + command + " to " + network + ".");
  }

  private static ChannelName channel(CommandCall call) {
    return ChannelName.parse(call.arg("channel")).orElseThrow(() -> new IllegalArgumentException("'"
        + clean(call.arg("channel")) + "' is not a channel name (e.g. #java)."));
  }

  private static Optional<String> username(LoginStore.Login login) {
    return login.settings().map(IrcCommands::parse).map(s -> s.path("username").asText(null))
        .filter(u -> USERNAME.matcher(u).matches());
  }

  private static ObjectNode parse(String json) {
    try {
      return JSON.readTree(json) instanceof ObjectNode o ? o : JSON.createObjectNode();
    } catch (java.io.IOException e) {
      return JSON.createObjectNode();
    }
  }

  private static String clean(String s) {
    return s.replaceAll("\\p{Cntrl}", "?");
  }
}
