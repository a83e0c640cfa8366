import { errorFromThread, threadErrorOf } from './thread-error';
import { UnreadableFileError } from './unreadable-file.error';

describe('thread errors', () => {
  it('keeps an unreadable file unreadable, with its message', () => {
    const error = errorFromThread(threadErrorOf(new UnreadableFileError('too many rows: over the maxRows limit of 5')));
    expect(error).toBeInstanceOf(UnreadableFileError);
    expect(error).toEqual(new UnreadableFileError('too many rows: over the maxRows limit of 5'));
  });

  it("keeps a file-system error's code, errno, syscall and path", () => {
    const enoent = Object.assign(new Error("ENOENT: no such file or directory, open '/x.xlsx'"), {
      code: 'ENOENT',
      errno: -2,
      syscall: 'open',
      path: '/x.xlsx',
    });
    const error = errorFromThread(threadErrorOf(enoent));
    expect(error).not.toBeInstanceOf(UnreadableFileError);
    expect(error).toMatchObject({
      message: enoent.message,
      code: 'ENOENT',
      errno: -2,
      syscall: 'open',
      path: '/x.xlsx',
    });
  });

  it('keeps the name of another error and reads a thrown non-error as its text', () => {
    expect(errorFromThread(threadErrorOf(new RangeError('out of range')))).toMatchObject({
      name: 'RangeError',
      message: 'out of range',
    });
    expect(errorFromThread(threadErrorOf('plain'))).toMatchObject({ name: 'Error', message: 'plain' });
  });
});
