package dev.switchboard.sip.address;

import java.util.Optional;

/**
 * Turns what people type ({@code +44 20 7123 4567}, {@code 0044...}, {@code 020 7123 4567}) into E.164. A national
 * number (one leading 0) takes the configured default country calling code; without one it is refused, because
 * guessing a country would ring a stranger.
 */
public final class PhoneNumbers {
  private final Optional<String> defaultCountryCode;

  /** @param defaultCountryCode the calling code without {@code +}, e.g. {@code 44}; empty when none */
  public PhoneNumbers(Optional<String> defaultCountryCode) {
    defaultCountryCode.ifPresent(c -> {
      if (!c.matches("[1-9][0-9]{0,2}")) {
        throw new IllegalArgumentException("a country calling code is 1 to 3 digits, got '" + c + "'");
      }
    });
    this.defaultCountryCode = defaultCountryCode;
  }

  /** The E.164 form, or empty when {@code input} is not a number we can place. */
  public Optional<Dialable.Number> normalise(String input) {
    String s = input.strip();
    if (!s.matches("\\+?[0-9 ().\\-/]+")) {
      return Optional.empty();
    }
    boolean plus = s.startsWith("+");
    String digits = s.replaceAll("[^0-9]", "");
    String e164;
    if (plus) {
      e164 = "+" + digits;
    } else if (digits.startsWith("00")) {
      e164 = "+" + digits.substring(2);
    } else if (digits.startsWith("0") && defaultCountryCode.isPresent()) {
      e164 = "+" + defaultCountryCode.get() + digits.substring(1);
    } else if (defaultCountryCode.isPresent() && defaultCountryCode.get().equals("1") && digits.length() == 10) {
      e164 = "+1" + digits; // NANP numbers are written without a trunk prefix
    } else {
      return Optional.empty();
    }
    try {
      return Optional.of(new Dialable.Number(e164));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }
}
