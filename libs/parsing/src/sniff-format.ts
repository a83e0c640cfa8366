import type { FileFormat } from './row-source.types';
import { decodeHead, detectEncoding, hasBinaryBytes, utf16Bom } from './text-encoding';

const SNIFF_BYTES = 8_192;
const ZIP_LOCAL_HEADER = Buffer.from('PK\x03\x04', 'latin1');
/** Text-based formats that are not tables, told apart by their first characters. */
const TEXT_DOCUMENT = /^(?:\ufeff)?\s*(?:%PDF-|%!PS|\{\\rtf|<\?xml|<!doctype|<html)/i;

/** Format of a file from its first bytes (at most 8 KiB are looked at); undefined when it is neither. */
export function sniffFormat(head: Buffer): FileFormat | undefined {
  const bytes = head.subarray(0, SNIFF_BYTES);
  if (bytes.subarray(0, 4).equals(ZIP_LOCAL_HEADER)) return looksLikeSpreadsheet(bytes) ? 'xlsx' : undefined;
  return looksLikeTable(bytes) ? 'csv' : undefined;
}

/** Local file headers carry entry names in clear; an xlsx has entries under `xl/`. */
function looksLikeSpreadsheet(bytes: Buffer): boolean {
  const text = bytes.toString('latin1');
  if (text.includes('xl/')) return true;
  return text.includes('[Content_Types].xml') && !/(?:word|ppt)\//.test(text);
}

function looksLikeTable(bytes: Buffer): boolean {
  if (bytes.length === 0 || (!utf16Bom(bytes) && hasBinaryBytes(bytes))) return false;
  const encoding = detectEncoding(bytes);
  if (!encoding) return false;
  const text = decodeHead(bytes, encoding);
  return /\S/.test(text) && !TEXT_DOCUMENT.test(text) && !/[\u0001-\u0008\u000e-\u0019\u001b-\u001f]/.test(text);
}
