/**
 * Relay documents, compiled by relay-compiler against ../schema.graphql into __generated__.
 * The graphql tags are read by the compiler only (no Babel plugin here): the code imports
 * the generated artifacts.
 */
import { graphql } from 'relay-runtime';

export const documents = [
  graphql`
    query documentsViewerQuery {
      viewer { id username ...documents_sessions }
    }
  `,
  graphql`
    fragment documents_sessions on User
    @refetchable(queryName: "documentsSessionsPaginationQuery")
    @argumentDefinitions(count: { type: "Int", defaultValue: 2 }, cursor: { type: "String" }) {
      workoutSessions(first: $count, after: $cursor) @connection(key: "documents_workoutSessions") {
        totalCount
        edges { node { id name status } }
      }
    }
  `,
  graphql`
    subscription documentsWorkoutEventsSubscription($sessionId: ID!, $after: String) {
      workoutEvents(sessionId: $sessionId, after: $after) {
        __typename
        ... on LiveEvent { eventId }
        ... on SetLogged { setLog { id reps } }
      }
    }
  `,
];
