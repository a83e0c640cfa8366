/**
 * Characters PostgreSQL cannot store in text or jsonb: U+0000 (jsonb refuses `\u0000`, text a NUL byte) and
 * UTF-16 surrogates without their pair (jsonb refuses a lone `\ud83d`; UTF-8 has no encoding for them). With
 * the u flag a surrogate pair is one code point, so the class matches only unpaired surrogates.
 */
const UNSTORABLE = /[\0\ud800-\udfff]/u;
const EVERY_UNSTORABLE = /[\0\ud800-\udfff]/gu;

/** The first character of `text` PostgreSQL cannot store, described ('a NUL character (U+0000)'), or undefined. */
export function unstorableCharacter(text: string): string | undefined {
  const match = UNSTORABLE.exec(text);
  if (!match) return undefined;
  const code = match[0].charCodeAt(0);
  return code === 0
    ? 'a NUL character (U+0000)'
    : `an unpaired surrogate (U+${code.toString(16).toUpperCase().padStart(4, '0')})`;
}

/** `text` with every character PostgreSQL cannot store replaced by U+FFFD, for what is kept to be looked at. */
export function storableText(text: string): string {
  return UNSTORABLE.test(text) ? text.replace(EVERY_UNSTORABLE, '\ufffd') : text;
}
