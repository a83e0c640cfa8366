import { FastifyRequest } from 'fastify';
import { DomainError } from '@app/common';
import { discard, StoredFile } from '@app/sync-tasks';

export interface UploadParts {
  stored: StoredFile;
  fileName: string;
  fields: Record<string, string>;
}

/**
 * Reads a multipart upload: metadata fields in any order and exactly one file, streamed to
 * disk by `store` (hashing on the way). Nothing is buffered in memory.
 *
 * Whatever ends the read early — a file over the size limit (the parser truncates the stream and only
 * throws 413 on the next part), a second file, a broken body — every file already written is removed,
 * so rejected uploads never accumulate in DATA_DIR/files.
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
  const written: StoredFile[] = [];
  let upload: { stored: StoredFile; fileName: string } | undefined;
  try {
    for await (const part of req.parts()) {
      if (part.type === 'file') {
        const stored = await store(part.file);
        written.push(stored);
        if (part.file.truncated) throw tooLarge();
        if (upload)
          throw new DomainError('VALIDATION_FAILED', 'Send one file per upload', [
            { field: 'file', errors: ['more than one file'] },
          ]);
        upload = { stored, fileName: part.filename || 'upload' };
      } else {
        fields[part.fieldname] = typeof part.value === 'string' ? part.value : String(part.value);
      }
    }
  } catch (error) {
    await Promise.all(written.map((stored) => discard(stored)));
    throw error;
  }
  if (!upload)
    throw new DomainError('VALIDATION_FAILED', 'The "file" part is missing', [{ field: 'file', errors: ['required'] }]);
  return { ...upload, fields };
}

function tooLarge(): DomainError {
  return new DomainError('PAYLOAD_TOO_LARGE', 'The file is larger than the upload limit (UPLOAD_MAX_BYTES)');
}
