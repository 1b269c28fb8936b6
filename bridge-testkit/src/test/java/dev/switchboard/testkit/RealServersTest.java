package dev.switchboard.testkit;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

class RealServersTest {

  @Test
  void anInstalledServerLetsTheTestRun() {
    assertThatCode(() -> RealServers.require("ngircd", true, "apt-get install ngircd")).doesNotThrowAnyException();
  }

  @Test
  void aMissingServerSkipsLocallyAndFailsWhereServersAreRequired() {
    Class<? extends Throwable> expected = RealServers.required() ? AssertionFailedError.class
        : TestAbortedException.class;

    assertThatThrownBy(() -> RealServers.require("ngircd", false, "apt-get install ngircd"))
        .isInstanceOf(expected)
        .hasMessageContaining("ngircd is not installed")
        .hasMessageContaining("apt-get install ngircd");
  }
}
