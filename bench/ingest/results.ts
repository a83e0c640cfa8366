/** What one ingest bench run found, part by part (also the JSON written to BENCH_OUT). */
import type { CsvResults } from './part-csv';
import type { SmallFilesResults } from './part-small-files';
import type { XlsxResults } from './part-xlsx';
import type { PairResults } from './part-xlsx-vs-csv';
import type { Stages, Sweep } from './sweep-and-stages';

export interface Results {
  csv?: CsvResults;
  xlsx?: XlsxResults;
  xlsxVsCsv?: PairResults;
  smallFiles?: SmallFilesResults;
  sweep: Sweep;
  stages: Stages;
  profiles: string[];
}
