package dev.switchboard.sip.address;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.core.id.UserId;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AddressesTest {
  private final GhostNames names = new GhostNames("_sip_", "example.org");
  private final PhoneNumbers uk = new PhoneNumbers(Optional.of("44"));

  @Test
  void aNumberIsAGhostWithTheE164FormAsLocalpart() {
    UserId ghost = names.ghostOf(new Dialable.Number("+442071234567"));
    assertThat(ghost.value()).isEqualTo("@_sip_+442071234567:example.org");
    assertThat(names.dialableOf(ghost)).contains(new Dialable.Number("+442071234567"));
  }

  @Test
  void aSipAddressIsEscapedReversiblyWithinTheMatrixGrammar() {
    UserId ghost = names.ghostOf(new Dialable.SipAddress("alice", "pbx.example.org"));
    assertThat(ghost.value()).isEqualTo("@_sip_alice=40pbx.example.org:example.org");
    assertThat(names.dialableOf(ghost)).contains(new Dialable.SipAddress("alice", "pbx.example.org"));

    Dialable odd = new Dialable.SipAddress("Bob=Smith;x%20é", "PBX.Example.org");
    UserId oddGhost = names.ghostOf(odd);
    assertThat(oddGhost.localpart()).matches("[a-z0-9._=\\-/+]+")
        .isEqualTo("_sip_=42ob=3d=53mith=3bx=2520=c3=a9=40pbx.example.org");
    assertThat(names.dialableOf(oddGhost)).contains(odd);
  }

  @Test
  void idsThatAreNotCanonicalOrNotOursStandForNothing() {
    assertThat(names.dialableOf(UserId.of("@_sip_alice:example.org"))).isEmpty(); // no host
    assertThat(names.dialableOf(UserId.of("@_sip_alice=4:example.org"))).isEmpty(); // truncated escape
    assertThat(names.dialableOf(UserId.of("@_sip_=61lice=40pbx.example.org:example.org"))).isEmpty(); // 'a' escaped
    assertThat(names.dialableOf(UserId.of("@_sip_+12:other.org"))).isEmpty();
    assertThat(names.dialableOf(UserId.of("@alice:example.org"))).isEmpty();
    assertThat(names.dialableOf(UserId.of("@_sip_+0123:example.org"))).isEmpty();
  }

  @Test
  void numbersAreNormalisedToE164WithTheDefaultCountry() {
    assertThat(uk.normalise("+44 20 7123 4567")).contains(new Dialable.Number("+442071234567"));
    assertThat(uk.normalise("0044 (20) 7123-4567")).contains(new Dialable.Number("+442071234567"));
    assertThat(uk.normalise("020 7123 4567")).contains(new Dialable.Number("+442071234567"));
    assertThat(new PhoneNumbers(Optional.of("1")).normalise("(555) 000-1234"))
        .contains(new Dialable.Number("+15550001234"));
    assertThat(new PhoneNumbers(Optional.empty()).normalise("020 7123 4567")).isEmpty();
    assertThat(uk.normalise("alice")).isEmpty();
    assertThat(uk.normalise("+1234567890123456")).isEmpty(); // 16 digits
    assertThatThrownBy(() -> new PhoneNumbers(Optional.of("+44"))).hasMessageContaining("calling code");
  }

  @Test
  void sipAddressesRefuseWhatWouldBreakAHeader() {
    assertThatThrownBy(() -> new Dialable.SipAddress("a\r\nVia: x", "h")).hasMessageContaining("user part");
    assertThatThrownBy(() -> new Dialable.SipAddress("a", "h>;x")).hasMessageContaining("host");
  }
}
