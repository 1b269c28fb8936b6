package dev.switchboard.core.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class MembershipTest {

  @Test
  void everyMembershipReadsBackFromItsSpecName() {
    for (Membership m : Membership.values()) {
      assertThat(Membership.fromWire(m.wireName())).isEqualTo(m);
    }
    assertThat(Membership.JOIN.wireName()).isEqualTo("join");
  }

  @Test
  void anUnknownMembershipIsRefused() {
    assertThatThrownBy(() -> Membership.fromWire("JOIN")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'JOIN'");
  }
}
