/** urql against the live server: a typed query, and a subscription over graphql-ws and over fetch (SSE). */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { pipe, subscribe } from 'wonka';

import { Events, Viewer } from '../src/urql/documents';
import { createUrql } from '../src/urql/client';
import { FROM_START, exerciseId, logSet, register, startWorkout, until } from '../src/server';

test('a typed query: DateTime arrives as the RFC 3339 string its scalar promises', async () => {
  const me = await register();
  const sessionId = await startWorkout(me.token, 'urql query');
  const { client, close } = createUrql(() => me.token, 'fetch');
  const result = await client.query(Viewer, {}).toPromise();
  assert.equal(result.error, undefined);
  const viewer = result.data?.viewer;
  assert.equal(viewer?.username, me.username);
  const session = viewer?.workoutSessions.edges[0]?.node;
  assert.equal(session?.id, sessionId);
  const startedAt: string = session?.startedAt ?? '';
  assert.match(startedAt, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{6})?\+00:00$/);
  await close();
});

for (const transport of ['websocket', 'fetch'] as const) {
  test(`a subscription over ${transport} delivers the set just logged`, async () => {
    const me = await register();
    const sessionId = await startWorkout(me.token, `urql ${transport}`);
    const squat = await exerciseId('Barbell Squat');
    const { client, close } = createUrql(() => me.token, transport);
    const received: { typename: string; setId?: string; reps?: number | null }[] = [];
    const { unsubscribe } = pipe(
      client.subscription(Events, { sessionId, after: FROM_START }),
      subscribe((result) => {
        const event = result.data?.workoutEvents;
        if (result.error) received.push({ typename: `error: ${result.error.message}` });
        if (!event) return;
        received.push({ typename: event.__typename, ...(event.__typename === 'SetLogged' ? { setId: event.setLog?.id, reps: event.setLog?.reps } : {}) });
      }),
    );
    await until(() => received.find((e) => e.typename === 'WorkoutStatusChanged'), `the STARTED event (${JSON.stringify(received)})`);
    const setId = await logSet(me.token, sessionId, squat, 11);
    const logged = await until(() => received.find((e) => e.typename === 'SetLogged'), 'the SetLogged event');
    assert.deepEqual(logged, { typename: 'SetLogged', setId, reps: 11 });
    unsubscribe();
    await close();
  });
}
