import { FastifyRequest } from 'fastify';
import { DomainError } from '@app/common';
import { StoredFile } from '@app/sync-tasks';

export interface UploadParts {
  stored: StoredFile;
  fileName: string;
  fields: Record<string, string>;
}

/**
 * Reads a multipart upload: metadata fields in any order and exactly one file, streamed to
 * disk by `store` (hashing on the way). Nothing is buffered in memory.
 */
export async function readUpload(
  req: FastifyRequest,
  store: (stream: NodeJS.ReadableStream) => Promise<StoredFile>,
): Promise<UploadParts> {
  if (!req.isMultipart()) {
    throw new DomainError(
      'UNSUPPORTED_MEDIA_TYPE',
      'Send the file as multipart/form-data with a "file" part and its metadata fields',
    );
  }
  const fields: Record<string, string> = {};
  let upload: { stored: StoredFile; fileName: string } | undefined;
  for await (const part of req.parts()) {
    if (part.type === 'file') {
      const stored = await store(part.file);
      if (upload)
        throw new DomainError('VALIDATION_FAILED', 'Send one file per upload', [
          { field: 'file', errors: ['more than one file'] },
        ]);
      upload = { stored, fileName: part.filename || 'upload' };
    } else {
      fields[part.fieldname] = typeof part.value === 'string' ? part.value : String(part.value);
    }
  }
  if (!upload)
    throw new DomainError('VALIDATION_FAILED', 'The "file" part is missing', [{ field: 'file', errors: ['required'] }]);
  return { ...upload, fields };
}
