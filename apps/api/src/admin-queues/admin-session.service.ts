import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { AuthUser, UsersRepository } from '@app/auth';
import { AppConfig } from '@app/config';

/** The dashboard's cookie: HttpOnly, SameSite=Strict, only sent to /admin. */
export const ADMIN_COOKIE = 'ds_admin';
export const ADMIN_COOKIE_PATH = '/admin';

interface AdminSessionClaims {
  sub: number;
  typ: 'admin-session';
}

/**
 * Sessions of the queue dashboard. A browser cannot send a bearer token with a page load, so an admin's access
 * token is exchanged (POST /admin/login) for a short-lived JWT of its own type in a cookie the page's scripts
 * cannot read (HttpOnly), that no other site can make the browser send (SameSite=Strict), and that reaches only
 * /admin. Its `typ` keeps it from working as an API access token, and every request re-reads the user, so a
 * disabled or demoted admin loses the dashboard at once.
 */
@Injectable()
export class AdminSessionService {
  constructor(
    private readonly jwt: JwtService,
    private readonly users: UsersRepository,
    private readonly config: AppConfig,
  ) {}

  get ttlSeconds(): number {
    return this.config.admin.sessionTtlSeconds;
  }

  issue(user: AuthUser): Promise<string> {
    const claims: AdminSessionClaims = { sub: user.id, typ: 'admin-session' };
    return this.jwt.signAsync(claims, { expiresIn: this.ttlSeconds });
  }

  /** The admin behind a cookie value, or undefined when it is missing, forged, expired or no longer an admin. */
  async verify(token: string | undefined): Promise<{ id: number; username: string } | undefined> {
    if (!token) return undefined;
    let claims: AdminSessionClaims;
    try {
      claims = await this.jwt.verifyAsync<AdminSessionClaims>(token);
    } catch {
      return undefined;
    }
    if (claims.typ !== 'admin-session') return undefined;
    const user = await this.users.findById(claims.sub);
    if (!user || user.disabled || user.role !== 'admin') return undefined;
    return { id: user.id, username: user.username };
  }

  /** Set-Cookie value for a new session (`Secure` unless the request came over plain HTTP). */
  cookie(token: string, secure: boolean): string {
    return serializeCookie(token, this.ttlSeconds, secure);
  }

  clearCookie(secure: boolean): string {
    return serializeCookie('', 0, secure);
  }
}

function serializeCookie(value: string, maxAgeSeconds: number, secure: boolean): string {
  const parts = [
    `${ADMIN_COOKIE}=${value}`,
    `Path=${ADMIN_COOKIE_PATH}`,
    `Max-Age=${maxAgeSeconds}`,
    'HttpOnly',
    'SameSite=Strict',
  ];
  if (secure) parts.push('Secure');
  return parts.join('; ');
}

/** One cookie's value from a Cookie header (no cookie plugin for a single cookie). */
export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
