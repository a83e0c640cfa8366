import type { CsvDialect } from './csv-tokenizer';

/** In order of preference when counts tie. */
const DELIMITERS = [',', '\t', ';', '|'];

/**
 * Delimiter and line break of a CSV file, judged on its header line within the decoded head of the file
 * (counted, as the reader does, from the first line that is not blank).
 */
export function detectDialect(head: string, headerRow: number): CsvDialect {
  const lineBreak = head.includes('\n') || !head.includes('\r') ? '\n' : '\r';
  const text = head.replace(/^(?:[ \t]*\r?\n|[ \t]*\r)+/, '');
  return { delimiter: likeliestDelimiter(nthLine(text, lineBreak, headerRow)), lineBreak };
}

/** The header line, or the last line the head holds when the header lies beyond it. */
function nthLine(text: string, lineBreak: string, n: number): string {
  let start = 0;
  for (let line = 1; line < n; line++) {
    const next = text.indexOf(lineBreak, start);
    if (next === -1) break;
    start = next + 1;
  }
  const end = text.indexOf(lineBreak, start);
  return text.slice(start, end === -1 ? text.length : end);
}

function likeliestDelimiter(line: string): string {
  const counts = countOutsideQuotes(line);
  let best = DELIMITERS[0];
  for (const candidate of DELIMITERS) if ((counts.get(candidate) ?? 0) > (counts.get(best) ?? 0)) best = candidate;
  return best;
}

function countOutsideQuotes(line: string): Map<string, number> {
  const counts = new Map<string, number>();
  let quoted = false;
  for (const char of line) {
    if (char === '"') quoted = !quoted;
    else if (!quoted && DELIMITERS.includes(char)) counts.set(char, (counts.get(char) ?? 0) + 1);
  }
  return counts;
}
