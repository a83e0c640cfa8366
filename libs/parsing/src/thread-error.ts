import { UnreadableFileError } from './unreadable-file.error';

/** An error as plain data: a structured clone keeps neither its class nor a file-system error's code. */
export interface ThreadError {
  unreadable: boolean;
  name: string;
  message: string;
  code?: string;
  errno?: number;
  syscall?: string;
  path?: string;
}

export function threadErrorOf(error: unknown): ThreadError {
  if (!(error instanceof Error)) return { unreadable: false, name: 'Error', message: String(error) };
  const { code, errno, syscall, path } = error as NodeJS.ErrnoException;
  return {
    unreadable: error instanceof UnreadableFileError,
    name: error.name,
    message: error.message,
    ...definedOnly({ code, errno, syscall, path }),
  };
}

/** The error the thread hit: the same class and message (and code, errno, syscall, path when it had them). */
export function errorFromThread(error: ThreadError): Error {
  if (error.unreadable) return new UnreadableFileError(error.message);
  const { code, errno, syscall, path } = error;
  const rebuilt = Object.assign(new Error(error.message), definedOnly({ code, errno, syscall, path }));
  if (error.name !== 'Error') rebuilt.name = error.name;
  return rebuilt;
}

function definedOnly<T extends object>(fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as Partial<T>;
}
