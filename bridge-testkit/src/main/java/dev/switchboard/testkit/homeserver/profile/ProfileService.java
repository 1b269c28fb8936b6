package dev.switchboard.testkit.homeserver.profile;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.testkit.homeserver.MatrixException;
import dev.switchboard.testkit.homeserver.appservice.AppServiceQueries;
import dev.switchboard.testkit.homeserver.state.Account;
import dev.switchboard.testkit.homeserver.state.Event;
import dev.switchboard.testkit.homeserver.state.Requester;
import dev.switchboard.testkit.homeserver.state.Room;
import dev.switchboard.testkit.homeserver.state.ServerState;
import java.util.function.UnaryOperator;

/** Global profiles; a change is also sent as a new member event in every joined room, as Synapse does. */
public final class ProfileService {
  private final ServerState state;
  private final AppServiceQueries queries;

  public ProfileService(ServerState state, AppServiceQueries queries) {
    this.state = state;
    this.queries = queries;
  }

  public Account profile(String userId) {
    if (!queries.userExists(userId)) {
      throw MatrixException.notFound("Profile was not found");
    }
    return state.locked(() -> state.account(userId));
  }

  public void setDisplayName(Requester requester, String userId, String name) {
    update(requester, userId, a -> a.withDisplayName(name), "displayname", name);
  }

  public void setAvatarUrl(Requester requester, String userId, String url) {
    update(requester, userId, a -> a.withAvatarUrl(url), "avatar_url", url);
  }

  private void update(Requester requester, String userId, UnaryOperator<Account> change, String key, String value) {
    if (!requester.userId().equals(userId)) {
      throw MatrixException.forbidden("Cannot set another user's profile");
    }
    state.locked(() -> {
      Account account = state.account(userId);
      if (account == null) {
        throw MatrixException.notFound("Profile was not found");
      }
      state.updateAccount(change.apply(account));
      for (Room room : state.rooms()) {
        if ("join".equals(state.membership(room, userId))) {
          Event member = state.stateEvent(room, "m.room.member", userId);
          ObjectNode content = member.content().deepCopy();
          if (value == null) {
            content.remove(key);
          } else {
            content.put(key, value);
          }
          state.append(room, "m.room.member", userId, userId, content, null, null);
        }
      }
    });
  }
}
