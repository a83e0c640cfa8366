import { FileBusyError, isTransient, LeaseLostError, PermanentIngestError } from './ingest-errors';

const pgError = (code: string) => Object.assign(new Error(`pg ${code}`), { code });

describe(isTransient.name, () => {
  it.each([
    ['deadlock', pgError('40P01')],
    ['serialization failure', pgError('40001')],
    ['lock timeout', pgError('55P03')],
    ['statement timeout', pgError('57014')],
    ['admin shutdown', pgError('57P01')],
    ['connection failure', pgError('08006')],
    ['refused socket', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })],
    ['pool connection loss', new Error('Connection terminated unexpectedly')],
    ['wrapped by drizzle', Object.assign(new Error('Failed query'), { cause: pgError('40P01') })],
    ['busy file', new FileBusyError(1, 'x')],
    ['lost file lease', new LeaseLostError(1, 'task-1')],
  ])('retries a %s', (_name, error) => {
    expect(isTransient(error)).toBe(true);
  });

  it.each([
    ['header change', new PermanentIngestError('HEADER_CHANGED', 'headers differ')],
    ['unique violation', pgError('23505')],
    ['syntax error', pgError('42601')],
    ['invalid input', pgError('22P02')],
    ['programming error', new TypeError('x is undefined')],
    ['missing file on disk', Object.assign(new Error('ENOENT'), { code: 'ENOENT' })],
  ])('does not retry a %s', (_name, error) => {
    expect(isTransient(error)).toBe(false);
  });
});
