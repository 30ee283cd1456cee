/**
 * Apollo Client 4 set up the way docs/clients.md shows: possibleTypes from the schema,
 * relay-style pagination, websockets for subscriptions (a token refreshed on every
 * connect), or multipart HTTP when no websocket is wanted, and automatic persisted queries.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { ApolloClient, ApolloLink, HttpLink, InMemoryCache } from '@apollo/client';
import { SetContextLink } from '@apollo/client/link/context';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { relayStylePagination } from '@apollo/client/utilities';
import { createClient } from 'graphql-ws';
import { OperationTypeNode } from 'graphql';
import WebSocket from 'ws';

import { HTTP_URL, WS_URL } from '../server';

// possibleTypes.json is written beside schema.graphql by `make schema`: without it the cache
// cannot match `... on LiveEvent` (an interface) and drops those fields.
const possibleTypes: Record<string, string[]> = JSON.parse(
  readFileSync(join(__dirname, '..', '..', '..', '..', 'possibleTypes.json'), 'utf8'),
);

export function createCache(): InMemoryCache {
  return new InMemoryCache({
    possibleTypes,
    typePolicies: {
      Query: {
        fields: {
          // One growing list per filter: fetchMore appends pages, keyed by the filter argument.
          exercises: relayStylePagination(['filter']),
          // node(id) reads what any query already cached under that id.
          node: { read: (_, { args, toReference }) => (args?.id ? toReference({ __typename: typenameOf(args.id), id: args.id }) : undefined) },
        },
      },
    },
  });
}

/** A RepGraph ID is base64 of "TypeName:uuid", so its type is known without a round trip. */
function typenameOf(id: string): string {
  return Buffer.from(id, 'base64').toString('utf8').split(':')[0] ?? '';
}

export interface Session {
  token: () => Promise<string>;
}

export function createApollo(session: Session, options: { subscriptions: 'websocket' | 'multipart'; fetch?: typeof fetch }) {
  const http = new HttpLink({ uri: HTTP_URL, fetch: options.fetch ?? fetch });
  // The current access token on every request (the session refreshes it when it expires).
  const auth = new SetContextLink(async (context) => ({
    headers: { ...context.headers, authorization: `Bearer ${await session.token()}` },
  }));
  const persisted = new PersistedQueryLink({
    sha256: (query: string) => createHash('sha256').update(query).digest('hex'),
    useGETForHashedQueries: true,
  });
  const overHttp = ApolloLink.from([auth, persisted, http]);
  let link: ApolloLink = overHttp;
  if (options.subscriptions === 'websocket') {
    const ws = new GraphQLWsLink(
      createClient({
        url: WS_URL,
        webSocketImpl: WebSocket,
        // A function: every (re)connection asks for the current token.
        connectionParams: async () => ({ Authorization: `Bearer ${await session.token()}` }),
      }),
    );
    link = ApolloLink.split(({ operationType }) => operationType === OperationTypeNode.SUBSCRIPTION, ws, overHttp);
  }
  return new ApolloClient({ link, cache: createCache() });
}
