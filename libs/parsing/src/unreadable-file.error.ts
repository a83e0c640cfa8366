/** The file's content can never be read as rows (binary, corrupt, empty, undecodable): retrying cannot help. */
export class UnreadableFileError extends Error {
  override readonly name = 'UnreadableFileError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
