/** The documents the urql examples run, typed by GraphQL Code Generator (src/gql). */
import { graphql } from '../gql';

export const Viewer = graphql(`
  query UrqlViewer {
    viewer { id username workoutSessions(first: 5) { totalCount edges { node { id name startedAt } } } }
  }
`);

export const Events = graphql(`
  subscription UrqlWorkoutEvents($sessionId: ID!, $after: String) {
    workoutEvents(sessionId: $sessionId, after: $after) {
      __typename
      ... on LiveEvent { eventId occurredAt }
      ... on SetLogged { setLog { id reps } }
    }
  }
`);
