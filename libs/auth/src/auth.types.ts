import { Role } from '@app/db';

/** The authenticated caller, as attached to the request by the JWT strategy. */
export interface AuthUser {
  id: number;
  username: string;
  role: Role;
}

export interface AccessClaims {
  sub: number;
  username: string;
  role: Role;
  typ: 'access';
}

export interface RefreshClaims {
  sub: number;
  typ: 'refresh';
  jti: string;
  fam: string;
}

export interface TokenPair {
  access_token: string;
  refresh_token: string;
  token_type: 'Bearer';
  expires_in: number;
}
