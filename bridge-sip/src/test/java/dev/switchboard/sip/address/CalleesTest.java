package dev.switchboard.sip.address;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.core.id.UserId;
import dev.switchboard.sip.config.SipConfig;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CalleesTest {
  private static final UserId ALICE = UserId.of("@alice:example.org");

  private static Callees callees(boolean matrixIds) {
    return new Callees(new SipConfig.Inbound(Map.of("+442071234567", ALICE), matrixIds, Duration.ofSeconds(90)),
        new PhoneNumbers(Optional.of("44")), new GhostNames("_sip_", "example.org"), "example.org");
  }

  @Test
  void aConfiguredNumberRingsItsUserInAnySpelling() {
    assertThat(callees(true).calleeOf("+442071234567")).contains(ALICE);
    assertThat(callees(true).calleeOf("02071234567")).contains(ALICE);
    assertThat(callees(true).calleeOf("00442071234567")).contains(ALICE);
    assertThat(callees(true).calleeOf("+442071234568")).isEmpty();
  }

  @Test
  void anEscapedOrPercentEncodedMatrixIdOfThisServerRingsThatUser() {
    assertThat(callees(true).calleeOf("=40bob=3aexample.org")).contains(UserId.of("@bob:example.org"));
    assertThat(callees(true).calleeOf("%40bob%3Aexample.org")).contains(UserId.of("@bob:example.org"));
  }

  @Test
  void otherServersGhostsAndDisabledIdsRingNobody() {
    assertThat(callees(true).calleeOf("=40bob=3aelsewhere.org")).isEmpty();
    assertThat(callees(true).calleeOf("=40_sip_+15550001=3aexample.org")).isEmpty();
    assertThat(callees(false).calleeOf("=40bob=3aexample.org")).isEmpty();
    assertThat(callees(true).calleeOf("bob")).isEmpty();
    assertThat(callees(true).calleeOf("%4")).isEmpty();
  }

  @Test
  void usersTheBridgeDoesNotServeAreNobodyToPhones() {
    UserId bob = UserId.of("@bob:example.org");
    Callees onlyAlice = new Callees(new SipConfig.Inbound(Map.of("+442071234567", ALICE, "+442071234999", bob), true,
        Duration.ofSeconds(90)), new PhoneNumbers(Optional.of("44")), new GhostNames("_sip_", "example.org"),
        "example.org", ALICE::equals);

    assertThat(onlyAlice.calleeOf("+442071234567")).contains(ALICE);
    assertThat(onlyAlice.calleeOf("+442071234999")).isEmpty(); // a text to Bob's number is refused the same way
    assertThat(onlyAlice.calleeOf("=40bob=3aexample.org")).isEmpty();
  }
}
