package dev.switchboard.xmpp.permission;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.switchboard.core.id.UserId;
import dev.switchboard.core.permission.Permissions;
import dev.switchboard.core.permission.Permissions.Bridging;
import dev.switchboard.xmpp.address.XmppGhostIds;
import org.junit.jupiter.api.Test;

class BridgingPolicyTest {
  private final XmppGhostIds ghosts = new XmppGhostIds("_xmpp_", "example.org");
  private final Permissions permissions = Permissions.fromConfig(JsonNodeFactory.instance.objectNode()
      .put("example.org", "relay").put("@adam:example.org", "admin").put("@nora:example.org", "none"), "example.org");
  private final BridgingPolicy policy = new BridgingPolicy(permissions, ghosts::isGhost);

  @Test
  void matrixUsersGetWhatTheirLevelAllows() {
    assertThat(policy.of(UserId.of("@adam:example.org"))).isEqualTo(Bridging.PUPPET);
    assertThat(policy.of(UserId.of("@rita:example.org"))).isEqualTo(Bridging.RELAY);
    assertThat(policy.of(UserId.of("@nora:example.org"))).isEqualTo(Bridging.REFUSE);
    assertThat(policy.of(UserId.of("@fred:elsewhere.test"))).isEqualTo(Bridging.REFUSE);
  }

  @Test
  void theBridgesOwnGhostsAlwaysSpeakAsThemselvesWhateverTheirServersLevel() {
    UserId ghost = ghosts.ghostOf(org.jxmpp.jid.impl.JidCreate.bareFromOrThrowUnchecked("bob@example.net"));
    assertThat(permissions.bridgingOf(ghost)).isEqualTo(Bridging.RELAY);
    assertThat(policy.of(ghost)).isEqualTo(Bridging.PUPPET);
  }
}
