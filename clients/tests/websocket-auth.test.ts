/** graphql-ws against the live server: a refused connection says why, so the client can decide to refresh or give up. */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

import { WS_URL } from '../src/server';

test('a bad token closes the socket with 4403 TOKEN_INVALID, and the client stops there', async () => {
  let attempts = 0;
  const closed = await new Promise<{ code: number; reason: string }>((resolve) => {
    const client = createClient({
      url: WS_URL,
      webSocketImpl: WebSocket,
      connectionParams: () => ((attempts += 1), { Authorization: 'Bearer not-a-token' }),
      retryAttempts: 5,
      // Retry (with a refreshed token) only when the token merely expired.
      shouldRetry: (event) => (event as { reason?: string }).reason === 'TOKEN_EXPIRED',
    });
    client.subscribe({ query: 'subscription { activityFeed { __typename } }' }, {
      next: () => {},
      complete: () => {},
      error: (event) => {
        const { code, reason } = event as { code: number; reason: string };
        void client.dispose();
        resolve({ code, reason });
      },
    });
  });
  assert.deepEqual(closed, { code: 4403, reason: 'TOKEN_INVALID' });
  assert.equal(attempts, 1, 'an invalid token is not retried');
});
