import { Header } from '@nestjs/common';

/** The content type Fastify gives a serialised object. */
export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/**
 * For a route that answers `JsonBytes` (a cached read): sends them as the JSON they are, with the content type
 * an object answer gets, so the response is byte for byte the one the route would send for the value itself.
 * (Error bodies are JSON objects too: the header suits them.)
 */
export const SendsJsonBytes = (): MethodDecorator => Header('Content-Type', JSON_CONTENT_TYPE);
