package dev.switchboard.irc.format;

/** The mIRC colour palette: 0-15 (classic) and 16-98 (extended), as on https://modern.ircdocs.horse/formatting. */
public final class IrcColours {
  private static final String[] HEX = {
      "#ffffff", "#000000", "#00007f", "#009300", "#ff0000", "#7f0000", "#9c009c", "#fc7f00",
      "#ffff00", "#00fc00", "#009393", "#00ffff", "#0000fc", "#ff00ff", "#7f7f7f", "#d2d2d2",
      "#470000", "#472100", "#474700", "#324700", "#004700", "#00472c", "#004747", "#002747",
      "#000047", "#2e0047", "#470047", "#47002a", "#740000", "#743a00", "#747400", "#517400",
      "#007400", "#007449", "#007474", "#004074", "#000074", "#4b0074", "#740074", "#740045",
      "#b50000", "#b56300", "#b5b500", "#7db500", "#00b500", "#00b571", "#00b5b5", "#0063b5",
      "#0000b5", "#7500b5", "#b500b5", "#b5006b", "#ff0000", "#ff8c00", "#ffff00", "#b2ff00",
      "#00ff00", "#00ffa0", "#00ffff", "#008cff", "#0000ff", "#a500ff", "#ff00ff", "#ff0098",
      "#ff5959", "#ffb459", "#ffff71", "#cfff60", "#6fff6f", "#65ffc9", "#6dffff", "#59b4ff",
      "#5959ff", "#c459ff", "#ff66ff", "#ff59bc", "#ff9c9c", "#ffd39c", "#ffff9c", "#e2ff9c",
      "#9cff9c", "#9cffdb", "#9cffff", "#9cd3ff", "#9c9cff", "#dc9cff", "#ff9cff", "#ff94d3",
      "#000000", "#131313", "#282828", "#363636", "#4d4d4d", "#656565", "#818181", "#9f9f9f",
      "#bcbcbc", "#e2e2e2", "#ffffff"};

  private IrcColours() {}

  /** {@code #rrggbb} for colour {@code n}; 99 and unknown numbers have none (the client's default). */
  public static java.util.Optional<String> hexOf(int n) {
    return n >= 0 && n < HEX.length ? java.util.Optional.of(HEX[n]) : java.util.Optional.empty();
  }

  static String hex(int n) {
    return hexOf(n).orElse("#000000");
  }

  /** The classic colour (0-15) nearest to {@code #rrggbb}, for Matrix colours going to IRC. */
  public static int nearest(String hex) {
    int rgb = Integer.parseInt(hex.substring(1), 16);
    int best = 1;
    long bestDistance = Long.MAX_VALUE;
    for (int n = 0; n < 16; n++) {
      int c = Integer.parseInt(HEX[n].substring(1), 16);
      long dr = ((rgb >> 16) & 0xff) - ((c >> 16) & 0xff);
      long dg = ((rgb >> 8) & 0xff) - ((c >> 8) & 0xff);
      long db = (rgb & 0xff) - (c & 0xff);
      long d = dr * dr + dg * dg + db * db;
      if (d < bestDistance) {
        bestDistance = d;
        best = n;
      }
    }
    return best;
  }
}
