package dev.switchboard.sip.address;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.core.id.UserId;
import java.util.Optional;
import javax.sip.SipFactory;
import javax.sip.address.AddressFactory;
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
  void aPortOtherThanTheDefaultIsPartOfTheGhostBothWays() {
    Dialable softphone = new Dialable.SipAddress("bob", "192.0.2.10", 5062);
    UserId ghost = names.ghostOf(softphone);
    assertThat(ghost.value()).isEqualTo("@_sip_bob=40192.0.2.10=3a5062:example.org");
    assertThat(names.dialableOf(ghost)).contains(softphone);
    assertThat(softphone.display()).isEqualTo("bob@192.0.2.10:5062");

    Dialable v6 = new Dialable.SipAddress("bob", "[2001:DB8::1]", 5062);
    UserId v6Ghost = names.ghostOf(v6);
    assertThat(v6Ghost.localpart()).matches("[a-z0-9._=\\-/+]+")
        .isEqualTo("_sip_bob=40=5b2001=3adb8=3a=3a1=5d=3a5062");
    assertThat(names.dialableOf(v6Ghost)).contains(v6);
    assertThat(((Dialable.SipAddress) names.dialableOf(v6Ghost).orElseThrow()).port()).isEqualTo(5062);

    Dialable v6NoPort = new Dialable.SipAddress("bob", "[2001:db8::1]");
    assertThat(names.ghostOf(v6NoPort).localpart()).isEqualTo("_sip_bob=40=5b2001=3adb8=3a=3a1=5d");
    assertThat(names.dialableOf(names.ghostOf(v6NoPort))).contains(v6NoPort);
  }

  @Test
  void theDefaultPortIsNeverWrittenSoAnAddressKeepsItsOldGhost() {
    assertThat(names.ghostOf(new Dialable.SipAddress("alice", "pbx.example.org", 5060)).value())
        .isEqualTo("@_sip_alice=40pbx.example.org:example.org");
    // The same address spelt with :5060 is not canonical, so it names no second ghost.
    assertThat(names.dialableOf(UserId.of("@_sip_alice=40pbx.example.org=3a5060:example.org"))).isEmpty();
    assertThat(names.dialableOf(UserId.of("@_sip_alice=40pbx.example.org=3a05062:example.org"))).isEmpty();
    assertThat(names.dialableOf(UserId.of("@_sip_alice=40pbx.example.org=3a99999:example.org"))).isEmpty();
    assertThat(names.dialableOf(UserId.of("@_sip_alice=40pbx.example.org=3a:example.org"))).isEmpty();
    assertThat(names.dialableOf(UserId.of("@_sip_alice=40=5b2001=3adb8=3a=3a1=5d=3ax:example.org"))).isEmpty();
  }

  @Test
  void addressesParseWithAndWithoutPorts() {
    assertThat(Dialable.SipAddress.parse("bob@192.0.2.10:5062")).isEqualTo(new Dialable.SipAddress("bob", "192.0.2.10", 5062));
    assertThat(Dialable.SipAddress.parse("bob@pbx.example.org")).isEqualTo(new Dialable.SipAddress("bob", "pbx.example.org"));
    assertThat(Dialable.SipAddress.parse("bob@[::1]")).isEqualTo(new Dialable.SipAddress("bob", "[::1]"));
    assertThat(Dialable.SipAddress.parse("bob@[::1]:5070").port()).isEqualTo(5070);
    assertThat(Dialable.SipAddress.parse("bob@h:5060").port()).isEqualTo(Dialable.SipAddress.DEFAULT_PORT);
    assertThatThrownBy(() -> Dialable.SipAddress.parse("bob@h:0")).hasMessageContaining("port");
    assertThatThrownBy(() -> Dialable.SipAddress.parse("bob@h:65536")).hasMessageContaining("port");
    assertThatThrownBy(() -> Dialable.SipAddress.parse("bob@h:5o62")).hasMessageContaining("port");
    assertThatThrownBy(() -> Dialable.SipAddress.parse("bob@::1")).hasMessageContaining("host");
  }

  @Test
  void aCallersPortIsKeptUnlessItIsItsSchemesDefault() throws Exception {
    AddressFactory uris = SipFactory.getInstance().createAddressFactory();
    assertThat(Callers.of(uris.createURI("sip:bob@192.0.2.10:5062"), uk))
        .contains(new Dialable.SipAddress("bob", "192.0.2.10", 5062));
    assertThat(Callers.of(uris.createURI("sip:bob@[2001:db8::1]:5062"), uk))
        .contains(new Dialable.SipAddress("bob", "[2001:db8::1]", 5062));
    assertThat(Callers.of(uris.createURI("sip:bob@192.0.2.10:5060"), uk))
        .contains(new Dialable.SipAddress("bob", "192.0.2.10"));
    assertThat(Callers.of(uris.createURI("sips:bob@192.0.2.10:5061"), uk))
        .contains(new Dialable.SipAddress("bob", "192.0.2.10"));
    assertThat(Callers.of(uris.createURI("sips:bob@192.0.2.10:5062"), uk))
        .contains(new Dialable.SipAddress("bob", "192.0.2.10", 5062));
    assertThat(Callers.of(uris.createURI("sip:bob@pbx.example.org"), uk))
        .contains(new Dialable.SipAddress("bob", "pbx.example.org"));
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
