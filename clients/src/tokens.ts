/**
 * An access token that renews itself: `token()` answers the current one, or first trades the
 * refresh token for new ones when it is within a minute of expiring. Every client here reads
 * it per request and per websocket connection, so a reconnect never presents a stale token.
 */
import { HTTP_URL } from './server';

export class TokenSession {
  private pending: Promise<string> | undefined;

  constructor(
    private access: string,
    private refresh: string,
    private expiresAt: number, // ms since the epoch; `expiresIn` (s) from register/login/refreshToken
  ) {}

  token(): Promise<string> {
    if (Date.now() < this.expiresAt - 60_000) return Promise.resolve(this.access);
    this.pending ??= this.renew().finally(() => (this.pending = undefined));
    return this.pending;
  }

  private async renew(): Promise<string> {
    const response = await fetch(HTTP_URL, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: 'mutation($input: RefreshTokenInput!) { refreshToken(input: $input) { token refreshToken expiresIn } }',
        variables: { input: { refreshToken: this.refresh } },
      }),
    });
    const body = (await response.json()) as { data?: { refreshToken: { token: string; refreshToken: string; expiresIn: number } } };
    const renewed = body.data?.refreshToken;
    if (!renewed) throw new Error(`refreshToken failed: ${JSON.stringify(body)}`);
    this.access = renewed.token;
    this.refresh = renewed.refreshToken; // each refresh token works once
    this.expiresAt = Date.now() + renewed.expiresIn * 1000;
    return this.access;
  }
}
