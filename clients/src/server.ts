/**
 * The live RepGraph server the tests talk to (REPGRAPH_URL, set by tests/test_clients.py),
 * and what they need from it before any client library is involved: a fresh account.
 */
import { randomBytes } from 'node:crypto';

export const HTTP_URL = `${requireEnv('REPGRAPH_URL')}/graphql`;
export const WS_URL = HTTP_URL.replace(/^http/, 'ws');

function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} must name a running RepGraph server (e.g. http://127.0.0.1:8000)`);
  return value;
}

export interface Account {
  token: string;
  refreshToken: string;
  userId: string;
  username: string;
}

/** Plain fetch, no client library: setup only. */
export async function post<T>(query: string, variables: Record<string, unknown> = {}, token?: string): Promise<T> {
  const response = await fetch(HTTP_URL, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: unknown[] };
  if (body.errors || !body.data) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

export async function register(): Promise<Account> {
  const name = `c${randomBytes(5).toString('hex')}`;
  const data = await post<{ register: { token: string; refreshToken: string; user: { id: string; username: string } } }>(
    `mutation($input: RegisterInput!) { register(input: $input) { token refreshToken user { id username } } }`,
    { input: { email: `${name}@example.com`, username: name, password: 'correct horse battery' } },
  );
  const { token, refreshToken, user } = data.register;
  return { token, refreshToken, userId: user.id, username: user.username };
}

export async function startWorkout(token: string, name: string): Promise<string> {
  const data = await post<{ startWorkout: { session: { id: string } } }>(
    `mutation($input: StartWorkoutInput!) { startWorkout(input: $input) { session { id } } }`,
    { input: { name } },
    token,
  );
  return data.startWorkout.session.id;
}

export async function finishWorkout(token: string, sessionId: string): Promise<void> {
  await post(`mutation($input: FinishWorkoutInput!) { finishWorkout(input: $input) { session { id } } }`, { input: { sessionId } }, token);
}

export async function exerciseId(search: string): Promise<string> {
  const data = await post<{ exercises: { edges: { node: { id: string } }[] } }>(
    `query($s: String) { exercises(filter: { search: $s }, first: 1) { edges { node { id } } } }`,
    { s: search },
  );
  const first = data.exercises.edges[0];
  if (!first) throw new Error(`no exercise matches ${search}`);
  return first.node.id;
}

export async function logSet(token: string, sessionId: string, exercise: string, reps: number): Promise<string> {
  const data = await post<{ logSet: { setLog: { id: string } } }>(
    `mutation($input: LogSetInput!) { logSet(input: $input) { setLog { id } } }`,
    { input: { sessionId, exerciseId: exercise, reps, weight: 60, setType: 'WARMUP' } },
    token,
  );
  return data.logSet.setLog.id;
}

/** Resolves once `predicate` holds, polling; the tests wait on events, never on wall-clock sleeps alone. */
export async function until<T>(read: () => T | undefined, what: string, timeoutMs = 15000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** `after` for a subscription from the very start: every event of the stream is replayed first. */
export const FROM_START = Buffer.from('evt:0').toString('base64url');
