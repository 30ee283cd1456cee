/**
 * urql set up the way docs/clients.md shows: queries over fetch, subscriptions either over
 * graphql-ws (subscriptionExchange) or over fetch itself (`fetchSubscriptions`, served as
 * server-sent events), with the token read for every request.
 */
import { Client, cacheExchange, fetchExchange, subscriptionExchange } from '@urql/core';
import { createClient as createWsClient } from 'graphql-ws';
import WebSocket from 'ws';

import { HTTP_URL, WS_URL } from '../server';

export function createUrql(token: () => string, subscriptions: 'websocket' | 'fetch'): { client: Client; close: () => Promise<void> } {
  if (subscriptions === 'fetch') {
    const client = new Client({
      url: HTTP_URL,
      exchanges: [cacheExchange, fetchExchange],
      fetchSubscriptions: true,
      fetchOptions: () => ({ headers: { authorization: `Bearer ${token()}` } }),
    });
    return { client, close: async () => {} };
  }
  const ws = createWsClient({
    url: WS_URL,
    webSocketImpl: WebSocket,
    connectionParams: () => ({ Authorization: `Bearer ${token()}` }),
  });
  const client = new Client({
    url: HTTP_URL,
    fetchOptions: () => ({ headers: { authorization: `Bearer ${token()}` } }),
    exchanges: [
      cacheExchange,
      fetchExchange,
      subscriptionExchange({
        forwardSubscription: (request) => ({
          subscribe: (sink) => ({ unsubscribe: ws.subscribe({ ...request, query: request.query ?? '' }, sink) }),
        }),
      }),
    ],
  });
  return { client, close: async () => { await ws.dispose(); } };
}
