package dev.switchboard.sip.dialplan;

import dev.switchboard.core.config.ConfigSection;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code sip.dial_plan} section: which numbers and SIP addresses Matrix users may call and text. Every key has a
 * safe default (home country only, no premium rate, no emergency numbers, no internal addresses, no federated users).
 *
 * @param homeCountryCodes {@code home_country_codes}: calling codes without {@code +} that count as national;
 *     default {@code sip.default_country_code}, and none when that is unset (then no number is allowed without an
 *     {@code allow} entry)
 * @param federated {@code federated} (false): whether users of other homeservers may call and text at all
 * @param emergencyNumbers {@code emergency_numbers}: national numbers never dialled (see docs/sip.md)
 * @param premiumPrefixes {@code premium_prefixes}: E.164 prefixes of premium-rate ranges; default the built-in
 *     list for the home country codes
 * @param internationalPrefixes {@code international_prefixes}: E.164 prefixes inside a home country code that are
 *     billed as international (the Caribbean members of +1); default the built-in list for the home codes
 * @param internalHosts {@code internal_hosts}: SIP hosts (names or addresses) that may be called although they are
 *     internal (loopback, private, link-local, bare names)
 * @param user {@code user.allow} / {@code user.deny}: the lists for users at level {@code user}
 * @param admin {@code admin.allow} / {@code admin.deny}: the lists for bridge admins
 */
public record DialPlanSettings(List<String> homeCountryCodes, boolean federated, Set<String> emergencyNumbers,
    List<String> premiumPrefixes, List<String> internationalPrefixes, Set<String> internalHosts, Rules user,
    Rules admin) {

  /** Numbers that reach emergency services somewhere; matched exactly against the national number. */
  public static final List<String> DEFAULT_EMERGENCY =
      List.of("112", "911", "999", "000", "110", "119", "100", "101", "102", "108", "15", "17", "18");

  /**
   * Premium-rate ranges by calling code, as E.164 prefixes. +44: 09 (premium), 087 (revenue sharing), 118
   * (directory enquiries); +1: 900, 976; +49: 0900, 0137; +33: 089; +31: 0900, 0906, 0909; +61: 190.
   */
  public static final Map<String, List<String>> DEFAULT_PREMIUM = Map.of(
      "44", List.of("+449", "+4487", "+44118"),
      "1", List.of("+1900", "+1976"),
      "49", List.of("+49900", "+49137"),
      "33", List.of("+3389"),
      "31", List.of("+31900", "+31906", "+31909"),
      "61", List.of("+61190"));

  /**
   * Ranges of a calling code that are other countries, billed as international: the NANP (+1) area codes of the
   * Caribbean and the Atlantic, the usual targets of "one ring" toll fraud.
   */
  public static final Map<String, List<String>> DEFAULT_INTERNATIONAL = Map.of("1", List.of(
      "+1242", "+1246", "+1264", "+1268", "+1284", "+1345", "+1441", "+1473", "+1649", "+1658", "+1664", "+1721",
      "+1758", "+1767", "+1784", "+1809", "+1829", "+1849", "+1868", "+1869", "+1876"));

  /** One level's lists: {@code deny} wins over {@code allow}; {@code allow} wins over the default refusals. */
  public record Rules(List<Rule> allow, List<Rule> deny) {
    public static final Rules NONE = new Rules(List.of(), List.of());

    public Rules {
      allow = List.copyOf(allow);
      deny = List.copyOf(deny);
    }
  }

  public DialPlanSettings {
    homeCountryCodes = List.copyOf(homeCountryCodes);
    emergencyNumbers = Set.copyOf(emergencyNumbers);
    premiumPrefixes = List.copyOf(premiumPrefixes);
    internationalPrefixes = List.copyOf(internationalPrefixes);
    internalHosts = Set.copyOf(internalHosts);
  }

  /** The defaults for these home codes. */
  public static DialPlanSettings defaults(List<String> homeCountryCodes) {
    return new DialPlanSettings(homeCountryCodes, false, Set.copyOf(DEFAULT_EMERGENCY),
        builtIn(DEFAULT_PREMIUM, homeCountryCodes), builtIn(DEFAULT_INTERNATIONAL, homeCountryCodes), Set.of(),
        Rules.NONE, Rules.NONE);
  }

  private static List<String> builtIn(Map<String, List<String>> table, List<String> codes) {
    List<String> out = new ArrayList<>();
    codes.forEach(c -> out.addAll(table.getOrDefault(c, List.of())));
    return out;
  }

  /**
   * Parses {@code sip.dial_plan} (missing means the defaults).
   *
   * @param defaultCountryCode {@code sip.default_country_code}, the home country unless the section names others
   */
  public static DialPlanSettings parse(ConfigSection section, Optional<String> defaultCountryCode) {
    section.allowOnly(List.of("home_country_codes", "federated", "emergency_numbers", "premium_prefixes",
        "international_prefixes", "internal_hosts", "user", "admin"));
    List<String> home = section.has("home_country_codes")
        ? section.strings("home_country_codes").stream().map(c -> c.startsWith("+") ? c.substring(1) : c).toList()
        : defaultCountryCode.map(List::of).orElse(List.of());
    for (String c : home) {
      if (!c.matches("[1-9][0-9]{0,2}")) {
        throw section.problem("home_country_codes", "holds '" + c + "', which is not a country calling code such as"
            + " 44 or 1");
      }
    }
    Set<String> emergency = new LinkedHashSet<>(section.has("emergency_numbers")
        ? section.strings("emergency_numbers") : DEFAULT_EMERGENCY);
    for (String e : emergency) {
      if (!e.matches("[0-9]{1,15}")) {
        throw section.problem("emergency_numbers", "holds '" + e + "', which is not a number of digits");
      }
    }
    List<String> premium = prefixes(section, "premium_prefixes").orElse(builtIn(DEFAULT_PREMIUM, home));
    List<String> international = prefixes(section, "international_prefixes")
        .orElse(builtIn(DEFAULT_INTERNATIONAL, home));
    Set<String> internal = new LinkedHashSet<>();
    section.strings("internal_hosts").forEach(h -> internal.add(h.toLowerCase(Locale.ROOT)));
    return new DialPlanSettings(home, section.bool("federated", false), emergency, premium, international, internal,
        rules(section.section("user")), rules(section.section("admin")));
  }

  private static Rules rules(ConfigSection level) {
    level.allowOnly(List.of("allow", "deny"));
    return new Rules(ruleList(level, "allow"), ruleList(level, "deny"));
  }

  private static List<Rule> ruleList(ConfigSection level, String field) {
    return level.strings(field).stream().map(s -> Rule.parse(s, level.key(field))).toList();
  }

  private static Optional<List<String>> prefixes(ConfigSection section, String field) {
    if (!section.has(field)) {
      return Optional.empty();
    }
    List<String> list = section.strings(field);
    for (String p : list) {
      if (!p.matches("\\+[1-9][0-9]*")) {
        throw section.problem(field, "holds '" + p + "', which is not an E.164 prefix such as +449");
      }
    }
    return Optional.of(list);
  }
}
