import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { AppConfig } from '@app/config';
import { DomainError } from '@app/common';
import { AccessClaims, AuthUser, RefreshClaims, TokenPair } from './auth.types';
import { RefreshTokensRepository } from './refresh-tokens.repository';

export const JWT_ALGORITHM = 'HS256';

@Injectable()
export class TokenService {
  constructor(
    private readonly jwt: JwtService,
    private readonly config: AppConfig,
    private readonly refreshTokens: RefreshTokensRepository,
  ) {}

  async issuePair(user: AuthUser, familyId: string = randomUUID()): Promise<TokenPair> {
    const { accessTtlSeconds, refreshTtlSeconds } = this.config.auth;
    const access: AccessClaims = { sub: user.id, username: user.username, role: user.role, typ: 'access' };
    const refresh: RefreshClaims = { sub: user.id, typ: 'refresh', jti: randomUUID(), fam: familyId };
    await this.refreshTokens.insert({
      id: refresh.jti,
      userId: user.id,
      familyId,
      expiresAt: new Date(Date.now() + refreshTtlSeconds * 1000),
    });
    return {
      access_token: await this.jwt.signAsync(access, { expiresIn: accessTtlSeconds }),
      refresh_token: await this.jwt.signAsync(refresh, { expiresIn: refreshTtlSeconds }),
      token_type: 'Bearer',
      expires_in: accessTtlSeconds,
    };
  }

  /**
   * Consumes a refresh token exactly once. A second use of the same token means it leaked:
   * the whole family (every token rotated from the same login) is revoked.
   */
  async consumeRefresh(token: string): Promise<RefreshClaims> {
    const claims = await this.verify<RefreshClaims>(token);
    if (claims.typ !== 'refresh' || !claims.jti || !claims.fam) throw invalidToken('not a refresh token');
    if (!(await this.refreshTokens.consume(claims.jti))) {
      await this.refreshTokens.revokeFamily(claims.fam);
      throw invalidToken('refresh token already used, revoked or expired; log in again');
    }
    return claims;
  }

  private async verify<T extends object>(token: string): Promise<T> {
    try {
      return await this.jwt.verifyAsync<T>(token, { algorithms: [JWT_ALGORITHM] });
    } catch (error) {
      throw invalidToken((error as Error).message);
    }
  }
}

function invalidToken(reason: string): DomainError {
  return new DomainError('INVALID_TOKEN', `Invalid token: ${reason}`);
}
