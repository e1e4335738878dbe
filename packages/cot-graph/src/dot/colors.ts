/**
 * Colour -> node status, following the extraction contract: `lightpink` marks a failed attempt, `lightblue` a
 * successful step. Models do not always use those exact names, so any red / pink hue counts as failed and any
 * other recognised colour as successful.
 */

// X11 names models plausibly use, as #rrggbb. Names outside the table fall back to word matching.
const NAMED: Record<string, string> = {
  lightpink: 'ffb6c1',
  pink: 'ffc0cb',
  hotpink: 'ff69b4',
  deeppink: 'ff1493',
  palevioletred: 'db7093',
  mediumvioletred: 'c71585',
  lightcoral: 'f08080',
  coral: 'ff7f50',
  salmon: 'fa8072',
  lightsalmon: 'ffa07a',
  darksalmon: 'e9967a',
  mistyrose: 'ffe4e1',
  rosybrown: 'bc8f8f',
  indianred: 'cd5c5c',
  red: 'ff0000',
  tomato: 'ff6347',
  crimson: 'dc143c',
  firebrick: 'b22222',
  darkred: '8b0000',
  maroon: 'b03060',
  orangered: 'ff4500',
  lavenderblush: 'fff0f5',
  lightblue: 'add8e6',
  lightskyblue: '87cefa',
  skyblue: '87ceeb',
  deepskyblue: '00bfff',
  powderblue: 'b0e0e6',
  lightsteelblue: 'b0c4de',
  steelblue: '4682b4',
  cornflowerblue: '6495ed',
  dodgerblue: '1e90ff',
  royalblue: '4169e1',
  blue: '0000ff',
  mediumblue: '0000cd',
  navy: '000080',
  aliceblue: 'f0f8ff',
  lightcyan: 'e0ffff',
  cyan: '00ffff',
  aqua: '00ffff',
  paleturquoise: 'afeeee',
  turquoise: '40e0d0',
  azure: 'f0ffff',
  lavender: 'e6e6fa',
  green: '00ff00',
  lightgreen: '90ee90',
  palegreen: '98fb98',
  darkseagreen: '8fbc8f',
  honeydew: 'f0fff0',
  mintcream: 'f5fffa',
  lime: '00ff00',
  limegreen: '32cd32',
  forestgreen: '228b22',
  darkgreen: '006400',
  yellow: 'ffff00',
  lightyellow: 'ffffe0',
  lemonchiffon: 'fffacd',
  khaki: 'f0e68c',
  gold: 'ffd700',
  orange: 'ffa500',
  wheat: 'f5deb3',
  beige: 'f5f5dc',
  white: 'ffffff',
  whitesmoke: 'f5f5f5',
  ivory: 'fffff0',
  lightgrey: 'd3d3d3',
  lightgray: 'd3d3d3',
  gray: 'c0c0c0',
  grey: 'c0c0c0',
  black: '000000',
  violet: 'ee82ee',
  plum: 'dda0dd',
  thistle: 'd8bfd8',
};

const RED_WORDS = /pink|red|coral|salmon|rose|crimson|tomato|maroon|magenta/;
const OTHER_WORDS =
  /blue|cyan|green|teal|aqua|turquoise|navy|sky|azure|mint|lime|yellow|white|gr[ae]y|olive|lavender/;

/** Hue in degrees [0, 360) and saturation / value in [0, 1] of an RGB colour (0-255 channels). */
function hsv(r: number, g: number, b: number): [number, number, number] {
  const max = Math.max(r, g, b);
  const min = Math.min(r, g, b);
  const d = max - min;
  let h = 0;
  if (d > 0) {
    if (max === r) h = ((g - b) / d) % 6;
    else if (max === g) h = (b - r) / d + 2;
    else h = (r - g) / d + 4;
    h *= 60;
    if (h < 0) h += 360;
  }
  return [h, max === 0 ? 0 : d / max, max / 255];
}

function statusOfHsv(h: number, s: number): 'failed' | 'successful' {
  // Pinks and reds: hue within ~60 degrees below 360 or ~25 above 0, and visibly tinted.
  return s >= 0.1 && (h >= 300 || h < 25) ? 'failed' : 'successful';
}

/**
 * Read a Graphviz colour (name, `#rrggbb[aa]`, `#rgb`, `"H,S,V"`, scheme-qualified `/x11/name`, or the first
 * entry of a colour list `a:b`) and say which node status it stands for, or null when it is not a colour.
 *
 * @example
 * ```ts
 * statusFromColor('lightpink'); // 'failed'
 * statusFromColor('#ADD8E6');   // 'successful'
 * statusFromColor('banana');    // null
 * ```
 */
export function statusFromColor(color: string): 'failed' | 'successful' | null {
  let c = color.trim().toLowerCase().split(/[:;]/)[0].trim();
  if (c.startsWith('/')) c = c.slice(c.lastIndexOf('/') + 1);
  c = c.replace(/\s+/g, '');
  let hex = NAMED[c];
  if (hex === undefined && c.startsWith('#')) {
    const h = c.slice(1);
    if (/^[0-9a-f]{3}$/.test(h)) hex = h.replace(/./g, (x) => x + x);
    else if (/^[0-9a-f]{6}([0-9a-f]{2})?$/.test(h)) hex = h.slice(0, 6);
    else return null;
  }
  if (hex !== undefined) {
    const [hh, s] = hsv(
      Number.parseInt(hex.slice(0, 2), 16),
      Number.parseInt(hex.slice(2, 4), 16),
      Number.parseInt(hex.slice(4, 6), 16),
    );
    return statusOfHsv(hh, s);
  }
  const hsvMatch = /^(\d*\.?\d+)[,\s]+(\d*\.?\d+)[,\s]+(\d*\.?\d+)$/.exec(color.trim());
  if (hsvMatch) {
    const [h, s] = [Number(hsvMatch[1]), Number(hsvMatch[2])];
    if (Number.isFinite(h) && Number.isFinite(s)) return statusOfHsv(h * 360, s);
  }
  // Unlisted X11 names with digits (`pink2`, `lightblue3`) or compound names.
  const word = c.replace(/\d+$/, '');
  if (NAMED[word] !== undefined) return statusFromColor(word);
  if (RED_WORDS.test(word)) return 'failed';
  if (OTHER_WORDS.test(word)) return 'successful';
  return null;
}
