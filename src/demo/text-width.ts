/**
 * Terminal display width: CJK ideographs, kana, Hangul, full-width forms and most emoji take two
 * columns, combining marks and zero-width characters none. Enough to line up tables and keep
 * progress lines from wrapping; not a full Unicode East-Asian-Width implementation.
 */

const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;

const WIDE: ReadonlyArray<readonly [number, number]> = [
  [0x1100, 0x115f], // Hangul Jamo
  [0x2e80, 0x303e], // CJK radicals, Kangxi, CJK symbols and punctuation
  [0x3041, 0x33ff], // kana, Bopomofo, CJK compatibility
  [0x3400, 0x4dbf], // CJK extension A
  [0x4e00, 0x9fff], // CJK unified ideographs
  [0xa000, 0xa4cf], // Yi
  [0xac00, 0xd7a3], // Hangul syllables
  [0xf900, 0xfaff], // CJK compatibility ideographs
  [0xfe30, 0xfe4f], // CJK compatibility forms
  [0xff00, 0xff60], // full-width forms
  [0xffe0, 0xffe6], // full-width signs
  [0x1f300, 0x1f64f], // pictographs, emoticons
  [0x1f900, 0x1f9ff], // supplemental symbols and pictographs
  [0x20000, 0x3fffd], // CJK extensions B…
];

const ZERO: ReadonlyArray<readonly [number, number]> = [
  [0x0000, 0x001f], // C0 controls
  [0x007f, 0x009f], // DEL, C1 controls
  [0x0300, 0x036f], // combining diacritics
  [0x200b, 0x200f], // zero-width space, joiners, direction marks
  [0xfe00, 0xfe0f], // variation selectors
  [0xfeff, 0xfeff], // BOM / zero-width no-break space
];

function inRanges(cp: number, ranges: ReadonlyArray<readonly [number, number]>): boolean {
  return ranges.some(([lo, hi]) => cp >= lo && cp <= hi);
}

/** Columns one code point takes in a terminal. */
export function charWidth(codePoint: number): 0 | 1 | 2 {
  if (inRanges(codePoint, ZERO)) return 0;
  return inRanges(codePoint, WIDE) ? 2 : 1;
}

export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}

/** Columns a string takes in a terminal (ANSI escape sequences ignored). */
export function displayWidth(text: string): number {
  let width = 0;
  for (const ch of stripAnsi(text)) width += charWidth(ch.codePointAt(0) ?? 0);
  return width;
}

/** Cuts `text` to at most `max` columns, ending with `ellipsis` when something was cut. */
export function truncateToWidth(text: string, max: number, ellipsis = '…'): string {
  if (max <= 0) return '';
  if (displayWidth(text) <= max) return text;
  return cutWithEllipsis(text, max, ellipsis);
}

/** The longest prefix of `text` that, followed by `ellipsis`, fits in `max` columns. */
function cutWithEllipsis(text: string, max: number, ellipsis = '…'): string {
  const room = max - displayWidth(ellipsis);
  if (room <= 0) return ellipsis.slice(0, max);
  let out = '';
  let width = 0;
  for (const ch of text) {
    const w = charWidth(ch.codePointAt(0) ?? 0);
    if (width + w > room) break;
    out += ch;
    width += w;
  }
  return out + ellipsis;
}

/** Pads with spaces to exactly `width` columns (longer text is returned unchanged). */
export function padToWidth(text: string, width: number, align: 'left' | 'right' = 'left'): string {
  const gap = Math.max(0, width - displayWidth(text));
  return align === 'left' ? text + ' '.repeat(gap) : ' '.repeat(gap) + text;
}

/**
 * Shortens a file name to `max` columns keeping its end, so the extension stays visible:
 * `shopee__sg_1001__orders__all__daily__2026-11-01_2026-11-01.csv` → `shopee__sg_1001__orders…csv`.
 */
export function shortenFileName(name: string, max: number): string {
  if (displayWidth(name) <= max) return name;
  const dot = name.lastIndexOf('.');
  const tail = dot > 0 && name.length - dot <= 6 ? name.slice(dot + 1) : '';
  const headRoom = max - displayWidth(tail);
  if (!tail || headRoom < 4) return truncateToWidth(name, max);
  return cutWithEllipsis(name.slice(0, dot), headRoom) + tail;
}
