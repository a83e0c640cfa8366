import { storableText, unstorableCharacter } from './storable-text';

describe(unstorableCharacter.name, () => {
  it.each([
    ['a\u0000b', 'a NUL character (U+0000)'],
    ['x\ud83d', 'an unpaired surrogate (U+D83D)'],
    ['\ude00x', 'an unpaired surrogate (U+DE00)'],
    ['\ude00\ud83d', 'an unpaired surrogate (U+DE00)'], // low before high: no pair
    ['\ud83d\ud83d\ude00', 'an unpaired surrogate (U+D83D)'],
  ])('names the first character of %p PostgreSQL cannot store', (text, description) => {
    expect(unstorableCharacter(text)).toBe(description);
  });

  it.each(['', 'plain', '😀 emoji', '中文', '\u0001\u001f\ufffd\uffff'])('finds none in %p', (text) => {
    expect(unstorableCharacter(text)).toBeUndefined();
  });
});

describe(storableText.name, () => {
  it('replaces each such character by U+FFFD and leaves pairs and everything else alone', () => {
    expect(storableText('a\u0000b \ud83d 😀 \ude00\u0000')).toBe('a\ufffdb \ufffd 😀 \ufffd\ufffd');
    const clean = 'nothing to replace 😀';
    expect(storableText(clean)).toBe(clean);
  });
});
