/** Apollo Client 4 against the live server: cache, pagination, mutations, subscriptions both ways, APQ. */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { gql } from '@apollo/client';

import { ExercisePage, LogSet, SessionSets, SetById, UpdateReps, WorkoutEvents } from '../src/apollo/documents';
import { createApollo } from '../src/apollo/client';
import { FROM_START, exerciseId, logSet, post, register, startWorkout, until } from '../src/server';

test('relayStylePagination appends the page fetchMore brings, in the server order', async () => {
  const me = await register();
  const apollo = createApollo({ token: async () => me.token }, { subscriptions: 'multipart' });
  const filter = { equipment: 'BARBELL' as const };
  const watched = apollo.watchQuery({ query: ExercisePage, variables: { first: 3, filter } });
  const live = watched.subscribe(() => {});
  const page = () => {
    const result = watched.getCurrentResult();
    return result.dataState === 'complete' ? result.data.exercises : undefined;
  };
  const first = await until(page, 'the first page');
  assert.equal(first.edges.length, 3);
  await watched.fetchMore({ variables: { after: first.pageInfo.endCursor } });
  const merged = await until(() => (page()?.edges.length === 6 ? page() : undefined), 'the merged pages');
  const direct = await post<{ exercises: { edges: { node: { id: string } }[] } }>(
    `{ exercises(first: 6, filter: {equipment: BARBELL}) { edges { node { id } } } }`,
  );
  assert.deepEqual(merged?.edges.map((e) => e.node.id), direct.exercises.edges.map((e) => e.node.id));
  live.unsubscribe();
  apollo.stop();
});

test('a mutation result updates every query holding that object, and update() adds to a list', async () => {
  const me = await register();
  let requests = 0;
  const counting: typeof fetch = (input, init) => ((requests += 1), fetch(input, init));
  const apollo = createApollo({ token: async () => me.token }, { subscriptions: 'multipart', fetch: counting });
  const sessionId = await startWorkout(me.token, 'Apollo cache');
  const squat = await exerciseId('Barbell Squat');
  const setId = await logSet(me.token, sessionId, squat, 3);

  const single = await apollo.query({ query: SetById, variables: { id: setId } });
  assert.equal(single.data?.node?.__typename === 'SetLog' && single.data.node.reps, 3);
  const listed = await apollo.query({ query: SessionSets, variables: { id: sessionId } });
  assert.equal(listed.data?.node?.__typename, 'WorkoutSession');

  await apollo.mutate({ mutation: UpdateReps, variables: { input: { setLogId: setId, reps: 8 } } });
  const before = requests;
  const cachedSet = apollo.readQuery({ query: SetById, variables: { id: setId } });
  const cachedList = apollo.readQuery({ query: SessionSets, variables: { id: sessionId } });
  assert.equal(cachedSet?.node?.__typename === 'SetLog' && cachedSet.node.reps, 8);
  const edges = cachedList?.node?.__typename === 'WorkoutSession' ? cachedList.node.sets.edges : [];
  assert.deepEqual(edges.map((e) => [e.node.id, e.node.reps]), [[setId, 8]]);
  assert.equal(requests, before, 'both answers came from the cache');

  // A new set joins the session's cached list through update(), without refetching it.
  const added = await apollo.mutate({
    mutation: LogSet,
    variables: { input: { sessionId, exerciseId: squat, reps: 4, weight: 60, setType: 'WARMUP' } },
    update(cache, { data }) {
      const setLog = data?.logSet.setLog;
      if (!setLog) return;
      cache.modify({
        id: cache.identify({ __typename: 'WorkoutSession', id: sessionId }),
        fields: {
          sets(existing: any, { toReference }) {
            return { ...existing, edges: [...existing.edges, { __typename: 'SetLogEdge', node: toReference(setLog) }] };
          },
        },
      });
    },
  });
  const afterAdd = apollo.readQuery({ query: SessionSets, variables: { id: sessionId } });
  const ids = afterAdd?.node?.__typename === 'WorkoutSession' ? afterAdd.node.sets.edges.map((e) => e.node.id) : [];
  assert.deepEqual(ids, [setId, added.data?.logSet.setLog.id]);
  apollo.stop();
});

for (const subscriptions of ['websocket', 'multipart'] as const) {
  test(`subscriptions over ${subscriptions}: LiveEvent fields survive the cache (possibleTypes)`, async () => {
    const me = await register();
    let refreshed = 0;
    const apollo = createApollo({ token: async () => ((refreshed += 1), me.token) }, { subscriptions });
    const sessionId = await startWorkout(me.token, `Apollo ${subscriptions}`);
    const squat = await exerciseId('Barbell Squat');
    const received: { __typename: string; eventId: string; reps?: number; setId?: string }[] = [];
    const stream = apollo.subscribe({ query: WorkoutEvents, variables: { sessionId, after: FROM_START } }).subscribe({
      next: ({ data }) => {
        const event = data?.workoutEvents;
        if (!event) return;
        received.push({
          __typename: event.__typename,
          eventId: event.eventId,
          ...(event.__typename === 'SetLogged' && event.setLog ? { reps: event.setLog.reps ?? -1, setId: event.setLog.id } : {}),
        });
      },
    });
    await until(() => received.find((e) => e.__typename === 'WorkoutStatusChanged'), 'the STARTED event');
    const setId = await logSet(me.token, sessionId, squat, 6);
    const logged = await until(() => received.find((e) => e.__typename === 'SetLogged'), 'the SetLogged event');
    assert.deepEqual([logged.setId, logged.reps], [setId, 6]);
    assert.match(logged.eventId, /^[A-Za-z0-9_-]+$/, 'eventId, selected under `... on LiveEvent`, arrived');
    assert.ok(refreshed >= 1, 'the token came from the session');
    stream.unsubscribe();
    apollo.stop();
  });
}

test('automatic persisted queries: the hash first (GET), the document only when the server asks', async () => {
  const me = await register();
  const seen: { method: string; hasQuery: boolean }[] = [];
  const recording: typeof fetch = (input, init) => {
    const url = String(input);
    const body = typeof init?.body === 'string' ? init.body : '';
    seen.push({ method: init?.method ?? 'GET', hasQuery: url.includes('query=') || body.includes('"query"') });
    return fetch(input, init);
  };
  // A document this server has never seen (the alias is new on every run).
  const query = gql(`query Apq { apq_${me.username}: exercises(first: 1) { totalCount } }`);
  const first = createApollo({ token: async () => me.token }, { subscriptions: 'multipart', fetch: recording });
  await first.query({ query });
  assert.deepEqual(seen, [{ method: 'GET', hasQuery: false }, { method: 'POST', hasQuery: true }]);
  seen.length = 0;
  const second = createApollo({ token: async () => me.token }, { subscriptions: 'multipart', fetch: recording });
  const again = await second.query<Record<string, { totalCount: number }>>({ query });
  assert.deepEqual(seen, [{ method: 'GET', hasQuery: false }], 'the server kept the document: the hash alone ran it');
  assert.ok((again.data?.[`apq_${me.username}`]?.totalCount ?? 0) > 800, 'the library, run from the hash alone');
  first.stop();
  second.stop();
});
