import { OutgoingHttpHeaders } from 'node:http';
import { FastifyReply } from 'fastify';

export function frameOf(id: string, event: string, data: unknown): string {
  return `id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** A slow reader holding more than this unsent is dropped; it reconnects with Last-Event-ID. */
const MAX_BUFFERED_BYTES = 1_048_576;
/** How long a disconnected EventSource waits before reconnecting. */
const RETRY_MS = 3_000;

/**
 * One `text/event-stream` response on Fastify's raw socket (the reply is hijacked: Nest and Fastify
 * no longer touch it). Keeps the headers set so far (X-RateLimit-*, X-Request-Id).
 */
export class SseStream {
  private closed = false;
  private readonly closeListeners: (() => void)[] = [];

  private constructor(private readonly reply: FastifyReply) {
    reply.raw.on('close', () => this.markClosed());
  }

  static start(reply: FastifyReply): SseStream {
    reply.hijack();
    reply.raw.writeHead(200, {
      ...(reply.getHeaders() as OutgoingHttpHeaders),
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no', // Nginx: pass each event on at once
    });
    const stream = new SseStream(reply);
    stream.write(`retry: ${RETRY_MS}\n: connected\n\n`);
    return stream;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  send(id: string, event: string, data: unknown): void {
    this.write(frameOf(id, event, data));
  }

  /** Frames built with frameOf, in one write. */
  sendFrames(frames: string[]): void {
    if (frames.length) this.write(frames.join(''));
  }

  comment(text: string): void {
    this.write(`: ${text}\n\n`);
  }

  onClose(listener: () => void): void {
    if (this.closed) listener();
    else this.closeListeners.push(listener);
  }

  close(): void {
    if (this.closed) return;
    this.reply.raw.end();
    this.markClosed();
  }

  private write(chunk: string): void {
    if (this.closed) return;
    const raw = this.reply.raw;
    raw.write(chunk);
    if (raw.writableLength > MAX_BUFFERED_BYTES) {
      raw.destroy();
      this.markClosed();
    }
  }

  private markClosed(): void {
    if (this.closed) return;
    this.closed = true;
    for (const listener of this.closeListeners.splice(0)) listener();
  }
}
