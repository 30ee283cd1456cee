/**
 * A Relay environment for RepGraph: queries over HTTP, subscriptions over graphql-ws,
 * the token read on every request and every websocket (re)connection.
 */
import { Environment, Network, Observable, RecordSource, Store } from 'relay-runtime';
import type { FetchFunction, GraphQLResponse, SubscribeFunction } from 'relay-runtime';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

import { HTTP_URL, WS_URL } from '../server';

export function createEnvironment(token: () => Promise<string>): { environment: Environment; close: () => Promise<void> } {
  const fetchFn: FetchFunction = async (operation, variables) => {
    const response = await fetch(HTTP_URL, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await token()}` },
      body: JSON.stringify({ query: operation.text, variables }),
    });
    return (await response.json()) as GraphQLResponse;
  };
  const ws = createClient({
    url: WS_URL,
    webSocketImpl: WebSocket,
    connectionParams: async () => ({ Authorization: `Bearer ${await token()}` }),
  });
  const subscribe: SubscribeFunction = (operation, variables) =>
    Observable.create((sink) =>
      ws.subscribe({ query: operation.text ?? '', variables, operationName: operation.name }, {
        next: (value) => sink.next(value as GraphQLResponse),
        error: (error) => sink.error(error instanceof Error ? error : new Error(JSON.stringify(error))),
        complete: () => sink.complete(),
      }),
    );
  const environment = new Environment({ network: Network.create(fetchFn, subscribe), store: new Store(new RecordSource()) });
  return { environment, close: async () => { await ws.dispose(); } };
}
