package dev.switchboard.sip.command;

import dev.switchboard.core.command.Command;
import dev.switchboard.core.command.CommandCall;
import dev.switchboard.core.permission.Level;
import dev.switchboard.core.id.UserId;
import dev.switchboard.sip.address.Dialable;
import dev.switchboard.sip.address.GhostNames;
import dev.switchboard.sip.address.PhoneNumbers;
import dev.switchboard.sip.dm.DmRooms;
import dev.switchboard.sip.registration.TrunkKeepalive;
import dev.switchboard.sip.registration.TrunkRegistration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import dev.switchboard.core.store.Secret;
import dev.switchboard.sip.deskphone.DeskPhones;
import dev.switchboard.sip.dialplan.Decision;
import dev.switchboard.sip.dialplan.SipGuard;

/**
 * The connector's admin commands, {@code !sip <name>}: {@code register}, {@code unregister} and {@code status} for
 * the trunk registration (admins), {@code call <number>} to open a DM with a number's ghost (users).
 */
public final class SipCommands {
  /** A registrar that has not answered by then is still being tried; the reply says so instead of hanging. */
  private static final long REPLY_WAIT_SECONDS = 20;

  private final Supplier<Optional<TrunkRegistration>> registration;
  private final Supplier<Optional<TrunkKeepalive>> keepalive;
  private final Supplier<Optional<Parts>> parts;

  /** What {@code !sip call} needs once the connector runs. */
  public record Parts(PhoneNumbers numbers, GhostNames ghosts, DmRooms dms, Optional<DeskPhones> deskPhones,
      Executor blocking, SipGuard guard) {}

  public SipCommands(Supplier<Optional<TrunkRegistration>> registration,
      Supplier<Optional<TrunkKeepalive>> keepalive, Supplier<Optional<Parts>> parts) {
    this.registration = registration;
    this.keepalive = keepalive;
    this.parts = parts;
  }

  public List<Command> commands() {
    return List.of(
        Command.of("register", "", "register at the SIP trunk now (and keep the registration fresh)", Level.ADMIN,
            call -> withRegistration(r -> waitFor(r.register()))),
        Command.of("unregister", "", "remove the bridge's registration at the SIP trunk", Level.ADMIN,
            call -> withRegistration(r -> waitFor(r.unregister()))),
        Command.of("status", "", "show the SIP trunk registration and whether the trunk answers keepalives",
            Level.ADMIN, call -> status()),
        Command.of("phone", "<user> <username> <password>", "set the SIP credentials of a Matrix user's desk phone,"
            + " which then registers to the bridge and rings for the user's calls", Level.ADMIN, this::phone),
        Command.of("forget-phone", "<user>", "remove a Matrix user's desk phone credentials", Level.ADMIN,
            this::forgetPhone),
        Command.of("phone-status", "<user>", "show whether a Matrix user's desk phone is registered", Level.ADMIN,
            call -> withDeskPhones(call, (d, user) -> d.statusOf(user))),
        Command.of("call", "<number...>", "open a DM with a phone number or SIP address, to call or text it",
            Level.USER, this::call));
  }

  /** The registration's status; with {@code trunk.keepalive_seconds}, a line on the trunk's reachability. */
  private CompletableFuture<String> status() {
    Optional<TrunkKeepalive> k = keepalive.get();
    Optional<TrunkRegistration> r = registration.get();
    if (r.isEmpty() && k.isPresent()) {
      return CompletableFuture.completedFuture(k.get().status());
    }
    return withRegistration(reg -> CompletableFuture.completedFuture(reg.status()))
        .thenApply(text -> k.map(ka -> text + "\n" + ka.status()).orElse(text));
  }

  private CompletableFuture<String> withRegistration(
      java.util.function.Function<TrunkRegistration, CompletableFuture<String>> action) {
    return registration.get().map(action).orElseGet(() -> CompletableFuture.completedFuture(
        "The bridge does not register at a trunk (set sip.trunk.register: true)."));
  }

  private static CompletableFuture<String> waitFor(CompletableFuture<String> outcome) {
    return outcome.copy().completeOnTimeout("No answer from the registrar yet; see !sip status later.",
        REPLY_WAIT_SECONDS, TimeUnit.SECONDS);
  }

  private CompletableFuture<String> call(CommandCall call) {
    Parts p = parts.get().orElseThrow(() -> new IllegalArgumentException("The SIP connector is not running."));
    String input = call.arg("number").strip();
    Optional<Decision.Refused> emergency = p.guard().emergencyTyped(input);
    if (emergency.isPresent()) {
      return CompletableFuture.completedFuture(emergency.get().notice());
    }
    Dialable target = parse(input, p.numbers()).orElseThrow(() -> new IllegalArgumentException(
        "'" + input + "' is neither a phone number (+442071234567, or national with sip.default_country_code)"
            + " nor a SIP address (user@host)."));
    UserId ghost = p.ghosts().ghostOf(target);
    return p.guard().dm(call.sender(), target).thenCompose(decision -> {
      if (decision instanceof Decision.Refused refused) {
        return CompletableFuture.completedFuture(refused.notice());
      }
      return p.dms().openOrFind(ghost, call.sender(), target)
          .thenApply(room -> "Your DM with " + target.display() + " (" + ghost + ") is " + room
              + ": call or write there. Accept the invite if you have not joined it yet.");
    });
  }

  private CompletableFuture<String> phone(CommandCall call) {
    String password = call.arg("password");
    String username = call.arg("username");
    return withDeskPhones(call, (d, user) -> {
      Optional<String> refused = parts.get().flatMap(p -> p.guard().deskPhoneRefusal(user));
      if (refused.isPresent()) {
        return refused.get(); // a phone would ring for someone the bridge does not serve
      }
      d.setCredentials(user, username, new Secret(password));
      return "Desk phone credentials of " + user + " set: register the phone to the bridge as " + username
          + ". (Redact the command message: it holds the password.)";
    });
  }

  private CompletableFuture<String> forgetPhone(CommandCall call) {
    return withDeskPhones(call, (d, user) -> d.removeCredentials(user)
        ? "Forgot the desk phone of " + user + "." : user + " has no desk phone.");
  }

  private CompletableFuture<String> withDeskPhones(CommandCall call,
      java.util.function.BiFunction<DeskPhones, UserId, String> action) {
    Parts p = parts.get().orElseThrow(() -> new IllegalArgumentException("The SIP connector is not running."));
    DeskPhones d = p.deskPhones().orElseThrow(() -> new IllegalArgumentException(
        "The bridge is no registrar for desk phones (set sip.registrar.enabled: true)."));
    UserId user;
    try {
      user = UserId.of(call.arg("user"));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("'" + call.arg("user") + "' is not a Matrix user id (@alice:example.org).");
    }
    return CompletableFuture.supplyAsync(() -> action.apply(d, user), p.blocking());
  }

  /** A number in any spelling {@link PhoneNumbers} takes, or {@code [sip:]user@host[:port]}. */
  static Optional<Dialable> parse(String input, PhoneNumbers numbers) {
    Optional<Dialable.Number> number = numbers.normalise(input);
    if (number.isPresent()) {
      return Optional.of(number.get());
    }
    String s = input.regionMatches(true, 0, "sip:", 0, 4) ? input.substring(4) : input;
    try {
      return Optional.of(Dialable.SipAddress.parse(s));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }
}
