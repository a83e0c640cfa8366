import { cellText, numberText } from './xlsx-cell';

describe(cellText.name, () => {
  it.each([
    [null, ''],
    [undefined, ''],
    ['text', 'text'],
    [12.5, '12.5'],
    [0.1 + 0.2, '0.3'],
    [-3, '-3'],
    [1e21, '1000000000000000000000'],
    [1e-7, '0.0000001'],
    [true, 'true'],
    [false, 'false'],
    [new Date('2026-11-03T00:00:00Z'), '2026-11-03'],
    [new Date('2026-11-03T12:30:05Z'), '2026-11-03 12:30:05'],
    [new Date('2026-11-03T12:30:04.9996Z'), '2026-11-03 12:30:05'],
    [{ richText: [{ text: 'a ' }, { text: 'b' }] }, 'a b'],
    [{ formula: 'A1*2', result: 7 }, '7'],
    [{ sharedFormula: 'A1', result: 'x' }, 'x'],
    [{ formula: 'A1' }, ''],
    [{ error: '#N/A' as const }, '#N/A'],
    [{ text: 'link', hyperlink: 'https://example.com' }, 'link'],
  ])('shows %p as %p', (value, text) => {
    expect(cellText(value)).toBe(text);
  });
});

describe(numberText.name, () => {
  it('gives what rounding to 15 significant digits gives, for random and edge-case numbers', () => {
    const slow = (n: number): string => {
      const rounded = Number(n.toPrecision(15));
      const text = String(rounded);
      return text.includes('e')
        ? rounded.toLocaleString('en-US', { useGrouping: false, maximumFractionDigits: 20 })
        : text;
    };
    const samples = [0, -0, 1, -1, 123456789012345, -99999999999999, 0.1 + 0.2, 1 / 3, 2 / 3, 1e-7, 123.456, 1e15];
    for (let i = 0; i < 20_000; i++) {
      const scale = 10 ** Math.floor(Math.random() * 24 - 8);
      samples.push(
        (Math.random() - 0.5) * scale,
        Math.round(Math.random() * scale),
        Math.round(Math.random() * 1e6) / 100,
      );
    }
    for (const n of samples) expect(numberText(n)).toBe(slow(n));
  });
});
