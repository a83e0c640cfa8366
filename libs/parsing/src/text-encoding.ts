import { isUtf8 } from 'node:buffer';
import * as iconv from 'iconv-lite';
import { UnreadableFileError } from './unreadable-file.error';

export type TextEncoding = 'utf8' | 'gbk';

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

export function hasUtf8Bom(head: Uint8Array): boolean {
  return head.length >= 3 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf;
}

/** Encoding of a file from its first bytes; a multi-byte character cut at the end of `head` is tolerated. */
export function detectEncoding(head: Buffer): TextEncoding | undefined {
  if (hasUtf8Bom(head) || isUtf8(withoutCutUtf8Tail(head))) return 'utf8';
  if (!iconv.getDecoder('gbk').write(head).includes('\ufffd')) return 'gbk';
  return undefined;
}

export function decodeHead(head: Buffer, encoding: TextEncoding): string {
  return encoding === 'utf8' ? head.toString('utf8') : iconv.decode(head, 'gbk');
}

export function chunkDecoder(encoding: TextEncoding): ChunkDecoder {
  return encoding === 'utf8' ? new Utf8Decoder() : new GbkDecoder();
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

/** iconv-lite never throws: an undecodable sequence comes out as U+FFFD, which GBK itself cannot encode. */
function checked(text: string): string {
  if (text.includes('\ufffd')) throw new UnreadableFileError('the file is neither valid UTF-8 nor GBK text');
  return text;
}
