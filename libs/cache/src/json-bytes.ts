declare const jsonOf: unique symbol;

/**
 * The JSON text of a `T`, UTF-8 encoded: what a cached read answers. The API sends it as it is (with the JSON
 * content type), so a hit costs no serialisation and no string encoding; the bytes are exactly those
 * Fastify's default serialiser (`JSON.stringify`) writes for the value itself. Shared by every hit: never written to.
 */
export type JsonBytes<T> = Buffer & { readonly [jsonOf]?: T };

/** UTF-8 bytes of JSON text, in their own allocation (not a slice of Node's shared pool that a cache entry would pin). */
export function jsonBytes<T>(text: string): JsonBytes<T> {
  const bytes = Buffer.allocUnsafeSlow(Buffer.byteLength(text));
  bytes.write(text);
  return bytes;
}

/** The bytes Fastify would send for `value` (a JSON value: object, array, string, number, boolean or null). */
export function toJsonBytes<T>(value: T): JsonBytes<T> {
  return jsonBytes(JSON.stringify(value));
}

/** The value back (tests, callers that need the data rather than the response). */
export function parseJsonBytes<T>(bytes: JsonBytes<T>): T {
  return JSON.parse(bytes.toString('utf8')) as T;
}
