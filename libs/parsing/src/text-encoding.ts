import { isUtf8 } from 'node:buffer';
import * as iconv from 'iconv-lite';
import { UnreadableFileError } from './unreadable-file.error';

/** The encodings a CSV is read in; the value is recorded on the catalog file and accepted as its metadata. */
export const TEXT_ENCODINGS = ['utf8', 'gbk', 'utf16le', 'utf16be', 'windows-1252'] as const;
export type TextEncoding = (typeof TEXT_ENCODINGS)[number];

/** Turns a byte stream into text chunk by chunk, rejecting what is not text in that encoding. */
export interface ChunkDecoder {
  write(chunk: Buffer): string;
  end(): string;
}

/**
 * Control bytes that plain text never holds: C0 controls except \t \n \v \f \r, a DOS end-of-file ^Z and NUL
 * (judged by where and how many, see tooManyNuls). The test is valid on raw bytes for UTF-8 and GBK
 * alike: their multi-byte sequences only use bytes ≥ 0x40.
 */
const BINARY_BYTE = new Uint8Array(256);
for (let byte = 1; byte < 0x20; byte++) BINARY_BYTE[byte] = 1;
for (const byte of [0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x1a]) BINARY_BYTE[byte] = 0;

/** Binary data rather than text: a control byte text never holds, or NUL bytes as only binary data has them. */
export function hasBinaryBytes(bytes: Uint8Array): boolean {
  let nuls = 0;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i];
    if (BINARY_BYTE[byte]) return true;
    if (byte !== 0) continue;
    if (i > 0 && bytes[i - 1] === 0) return true;
    nuls++;
  }
  return tooManyNuls(nuls, bytes.length);
}

/**
 * NUL bytes come in runs in binary formats and densely in UTF-16 text (every other byte of ASCII); a text
 * export may hold a stray one in a field, which reads as U+0000 and gets its row quarantined (PostgreSQL cannot
 * store it). So two in a row are binary (see callers), and so are more than one NUL in ten bytes.
 */
function tooManyNuls(nuls: number, bytes: number): boolean {
  return nuls > 1 && nuls * 10 > bytes;
}

function hasUtf8Bom(head: Uint8Array): boolean {
  return head.length >= 3 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf;
}

/** UTF-16 by its byte-order mark ("Unicode text" exports), else undefined. */
export function utf16Bom(head: Uint8Array): 'utf16le' | 'utf16be' | undefined {
  if (head.length >= 2 && head[0] === 0xff && head[1] === 0xfe) return 'utf16le';
  if (head.length >= 2 && head[0] === 0xfe && head[1] === 0xff) return 'utf16be';
  return undefined;
}

/**
 * Encoding of a file from its first bytes (call after hasBinaryBytes, except for UTF-16): UTF-16 by BOM;
 * UTF-8 (a multi-byte character cut at the end of `head` is tolerated); GBK when it decodes and reads like
 * Chinese; else Windows-1252, the Western single-byte encoding (a superset of Latin-1's printable range)
 * that EU marketplace exports use. Undefined: none of these (bytes Windows-1252 leaves
 * undefined); binary data is refused by hasBinaryBytes, before.
 */
export function detectEncoding(head: Buffer): TextEncoding | undefined {
  const utf16 = utf16Bom(head);
  if (utf16) return utf16;
  if (hasUtf8Bom(head) || isUtf8(withoutCutUtf8Tail(head))) return 'utf8';
  if (readsAsGbk(head)) return 'gbk';
  return WINDOWS_1252_UNDEFINED.some((byte) => head.includes(byte)) ? undefined : 'windows-1252';
}

/** The five bytes Windows-1252 leaves undefined: text in it never holds them. */
const WINDOWS_1252_UNDEFINED = [0x81, 0x8d, 0x8f, 0x90, 0x9d];

/**
 * Latin-1 text often decodes as GBK too: an accented letter (≥ 0x81) followed by an ASCII letter (0x40–0x7E)
 * is a valid GBK pair. In Chinese text most pairs have a second byte ≥ 0x80 (all of GB2312 has), in Western
 * text the second byte is nearly always ASCII: the majority decides.
 */
function readsAsGbk(head: Buffer): boolean {
  if (iconv.getDecoder('gbk').write(head).includes('\ufffd')) return false;
  let asciiTrail = 0;
  let highTrail = 0;
  for (let i = 0; i < head.length - 1; i++) {
    if (head[i] < 0x81 || head[i] === 0xff) continue;
    if (head[i + 1] >= 0x80) highTrail++;
    else asciiTrail++;
    i++;
  }
  return highTrail >= asciiTrail;
}

export function decodeHead(head: Buffer, encoding: TextEncoding): string {
  const decoder = chunkDecoder(encoding, false);
  return decoder.write(head) + decoder.end();
}

/** `strict` (the default): a sequence not valid in the encoding is an error, not U+FFFD. */
export function chunkDecoder(encoding: TextEncoding, strict = true): ChunkDecoder {
  switch (encoding) {
    case 'utf8':
      return strict ? new Utf8Decoder() : new LenientDecoder('utf-8');
    case 'gbk':
      return strict ? new GbkDecoder() : new LenientDecoder('gbk');
    case 'utf16le':
    case 'utf16be':
      return new Utf16Decoder(encoding === 'utf16le' ? 'utf-16le' : 'utf-16be', strict);
    case 'windows-1252':
      return strict ? new Windows1252Decoder() : new LenientDecoder('windows-1252');
  }
}

function withoutCutUtf8Tail(bytes: Buffer): Buffer {
  for (let back = 1; back <= Math.min(3, bytes.length); back++) {
    const byte = bytes[bytes.length - back];
    if (byte < 0x80) break;
    if (byte < 0xc0) continue;
    const needed = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : 2;
    return needed > back ? bytes.subarray(0, bytes.length - back) : bytes;
  }
  return bytes;
}

/** hasBinaryBytes' NUL test over a whole stream (from byte 0, the head included), for binary data met later. */
class NulCount {
  private bytes = 0;
  private nuls = 0;
  private lastWasNul = false;

  check(chunk: Buffer): void {
    for (let at = chunk.indexOf(0); at !== -1; at = chunk.indexOf(0, at + 1)) {
      if (at > 0 ? chunk[at - 1] === 0 : this.lastWasNul) throw binary();
      this.nuls++;
    }
    this.bytes += chunk.length;
    this.lastWasNul = chunk.length > 0 && chunk[chunk.length - 1] === 0;
    if (tooManyNuls(this.nuls, this.bytes)) throw binary();
  }
}

function binary(): UnreadableFileError {
  return new UnreadableFileError('the file holds NUL bytes: binary data, not CSV text');
}

class Utf8Decoder implements ChunkDecoder {
  /** Strips a leading BOM; `fatal` makes a malformed byte sequence an error instead of U+FFFD. */
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  private readonly nuls = new NulCount();

  write(chunk: Buffer): string {
    this.nuls.check(chunk);
    return this.decode(chunk);
  }

  end(): string {
    return this.decode();
  }

  private decode(chunk?: Buffer): string {
    try {
      return this.decoder.decode(chunk, { stream: chunk !== undefined });
    } catch (error) {
      throw new UnreadableFileError('the file is not valid UTF-8 text', { cause: error });
    }
  }
}

class GbkDecoder implements ChunkDecoder {
  private readonly decoder = iconv.getDecoder('gbk');
  private readonly nuls = new NulCount();

  write(chunk: Buffer): string {
    this.nuls.check(chunk);
    return checked(this.decoder.write(chunk));
  }

  end(): string {
    return checked(this.decoder.end() ?? '');
  }
}

/** Decodes without judging (the head, for the dialect). */
class LenientDecoder implements ChunkDecoder {
  private readonly decoder: ReturnType<typeof iconv.getDecoder>;

  constructor(encoding: string) {
    this.decoder = iconv.getDecoder(encoding);
  }

  write(chunk: Buffer): string {
    return this.decoder.write(chunk);
  }

  end(): string {
    return this.decoder.end() ?? '';
  }
}

class Windows1252Decoder implements ChunkDecoder {
  private readonly decoder = iconv.getDecoder('windows-1252');
  private readonly nuls = new NulCount();

  write(chunk: Buffer): string {
    this.nuls.check(chunk);
    return checked1252(this.decoder.write(chunk));
  }

  end(): string {
    return checked1252(this.decoder.end() ?? '');
  }
}

function checked1252(text: string): string {
  if (text.includes('\ufffd')) throw new UnreadableFileError('the file is not UTF-8, GBK or Windows-1252 text');
  return text;
}

/** UTF-16 by BOM (stripped); control characters plain text never holds mean binary data after all. */
class Utf16Decoder implements ChunkDecoder {
  private readonly decoder: InstanceType<typeof TextDecoder>;

  constructor(
    label: 'utf-16le' | 'utf-16be',
    private readonly strict: boolean,
  ) {
    this.decoder = new TextDecoder(label, { fatal: strict });
  }

  write(chunk: Buffer): string {
    return this.checked(chunk);
  }

  end(): string {
    return this.checked();
  }

  private checked(chunk?: Buffer): string {
    let text: string;
    try {
      text = this.decoder.decode(chunk, { stream: chunk !== undefined });
    } catch (error) {
      throw new UnreadableFileError('the file is not valid UTF-16 text', { cause: error });
    }
    if (this.strict && CONTROL.test(text)) throw new UnreadableFileError('the file holds binary data, not CSV text');
    return text;
  }
}

const CONTROL = /[\u0000-\u0008\u000e-\u0019\u001b-\u001f]/;

/** iconv-lite never throws: an undecodable sequence comes out as U+FFFD, which GBK itself cannot encode. */
function checked(text: string): string {
  if (text.includes('\ufffd')) throw new UnreadableFileError('the file is neither valid UTF-8 nor GBK text');
  return text;
}
