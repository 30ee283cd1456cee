/** Relay (relay-compiler artifacts + relay-runtime) against the live server: Node, @connection, @refetchable, subscriptions. */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { createOperationDescriptor, fetchQuery, getSelector, requestSubscription } from 'relay-runtime';
import type { SingularReaderSelector } from 'relay-runtime';

import ViewerQuery from '../src/relay/__generated__/documentsViewerQuery.graphql';
import type { documentsViewerQuery } from '../src/relay/__generated__/documentsViewerQuery.graphql';
import PaginationQuery from '../src/relay/__generated__/documentsSessionsPaginationQuery.graphql';
import SessionsFragment from '../src/relay/__generated__/documents_sessions.graphql';
import type { documents_sessions$data } from '../src/relay/__generated__/documents_sessions.graphql';
import EventsSubscription from '../src/relay/__generated__/documentsWorkoutEventsSubscription.graphql';
import type { documentsWorkoutEventsSubscription$data } from '../src/relay/__generated__/documentsWorkoutEventsSubscription.graphql';
import { createEnvironment } from '../src/relay/environment';
import { FROM_START, exerciseId, finishWorkout, logSet, register, startWorkout, until } from '../src/server';

test('a @connection fragment paginates through its @refetchable query (node(id)) and merges the pages', async () => {
  const me = await register();
  const names = ['Mon', 'Wed', 'Fri', 'Sat'];
  for (const name of names) await finishWorkout(me.token, await startWorkout(me.token, name));
  const { environment, close } = createEnvironment(async () => me.token);

  await fetchQuery<documentsViewerQuery>(environment, ViewerQuery, {}).toPromise();
  const operation = createOperationDescriptor(ViewerQuery, {});
  const viewer = (environment.lookup(operation.fragment).data as documentsViewerQuery['response']).viewer;
  assert.ok(viewer);
  assert.equal(viewer.username, me.username);
  const sessions = () => environment.lookup(getSelector(SessionsFragment, viewer) as SingularReaderSelector).data as documents_sessions$data;
  const firstPage = sessions().workoutSessions;
  assert.equal(firstPage.totalCount, 4);
  assert.equal(firstPage.edges?.length, 2);

  // The next page comes through the generated refetch query: node(id: viewer.id) { ...on User }.
  const pageInfo = (environment.getStore().getSource().toJSON() as Record<string, any>);
  const connection = Object.values(pageInfo).find((record: any) => record.__typename === 'WorkoutSessionConnection' && record.pageInfo);
  const endCursor = (pageInfo[connection.pageInfo.__ref] as { endCursor: string }).endCursor;
  await fetchQuery(environment, PaginationQuery, { id: viewer.id, count: 2, cursor: endCursor }).toPromise();
  const merged = sessions().workoutSessions.edges?.map((edge) => edge?.node?.name);
  assert.deepEqual([...(merged ?? [])].sort(), [...names].sort(), 'both pages in one connection, each session once');
  await close();
});

test('requestSubscription delivers a SetLogged event over graphql-ws', async () => {
  const me = await register();
  const sessionId = await startWorkout(me.token, 'Relay live');
  const squat = await exerciseId('Barbell Squat');
  const { environment, close } = createEnvironment(async () => me.token);
  const received: documentsWorkoutEventsSubscription$data['workoutEvents'][] = [];
  const subscription = requestSubscription(environment, {
    subscription: EventsSubscription,
    variables: { sessionId, after: FROM_START },
    onNext: (data) => data && received.push((data as documentsWorkoutEventsSubscription$data).workoutEvents),
  });
  await until(() => received.find((e) => e.__typename !== 'SetLogged' && e.__typename !== '%other'), 'the STARTED event');
  const setId = await logSet(me.token, sessionId, squat, 9);
  const logged = await until(() => received.find((e) => e.__typename === 'SetLogged'), 'the SetLogged event');
  assert.equal(logged.__typename === 'SetLogged' ? logged.setLog?.id : undefined, setId);
  assert.equal(logged.__typename === 'SetLogged' ? logged.setLog?.reps : undefined, 9);
  subscription.dispose();
  await close();
});
