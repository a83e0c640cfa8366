import { cellText } from './xlsx-cell';

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
