package dev.switchboard.app;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The series-name extraction the dashboard test relies on: it must find made-up names, or that test proves nothing. */
class PromQlTest {

  @Test
  void theSeriesOfAnExpressionAreFoundPastFunctionsGroupingsMatchersAndRanges() {
    assertThat(PromQl.seriesIn("sum by (protocol, direction) (rate(switchboard_made_up_total{state!=\"by (x)\","
        + "instance=~\"$instance\"}[5m])) / on(instance) group_left switchboard_other_seconds_count > bool 0.5"))
        .containsExactly("switchboard_made_up_total", "switchboard_other_seconds_count");
    assertThat(PromQl.seriesIn("max by (instance) (switchboard_inbox_oldest_age_seconds) > 6e2 and up offset 5m"))
        .containsExactly("switchboard_inbox_oldest_age_seconds", "up");
  }

  @Test
  void aScrapesSeriesAreItsSampleNames() {
    String scrape = """
        # HELP switchboard_inbox_depth Inbox entries not yet done
        # TYPE switchboard_inbox_depth gauge
        switchboard_inbox_depth 0.0
        switchboard_homeserver_requests_seconds_count{endpoint="/x",method="GET",outcome="success"} 3
        """;

    assertThat(PromQl.exported(scrape))
        .containsExactly("switchboard_inbox_depth", "switchboard_homeserver_requests_seconds_count");
    assertThat(PromQl.exported(scrape)).doesNotContain("switchboard_made_up_total");
  }
}
