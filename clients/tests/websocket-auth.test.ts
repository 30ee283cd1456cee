/** graphql-ws against the live server: a refused connection says why, so the client can decide to refresh or give up. */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

import { WS_URL, register, startWorkout } from '../src/server';
import { TokenSession } from '../src/tokens';

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

test('connectionParams as a function: the websocket connects with the token the session just renewed', async () => {
  const me = await register();
  // A session whose access token is already due: the first connection must renew it.
  const session = new TokenSession('stale-token', me.refreshToken, 0);
  const client = createClient({
    url: WS_URL,
    webSocketImpl: WebSocket,
    connectionParams: async () => ({ Authorization: `Bearer ${await session.token()}` }),
  });
  const first = await new Promise<unknown>((resolve, reject) => {
    const dispose = client.subscribe({ query: 'subscription { activityFeed(after: "ZXZ0OjA") { __typename } }' }, {
      next: (value) => { dispose(); resolve(value); },
      error: reject,
      complete: () => resolve(undefined),
    });
    void startWorkout(me.token, 'renewed');
  });
  assert.deepEqual(first, { data: { activityFeed: { __typename: 'WorkoutStatusChanged' } } });
  assert.notEqual(await session.token(), 'stale-token');
  await client.dispose();
});
