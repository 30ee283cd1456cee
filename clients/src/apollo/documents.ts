/** The documents the Apollo examples run, typed by GraphQL Code Generator (src/gql). */
import { graphql } from '../gql';

export const ExercisePage = graphql(`
  query ExercisePage($first: Int!, $after: String, $filter: ExerciseFilter) {
    exercises(first: $first, after: $after, filter: $filter) {
      totalCount
      edges { cursor node { id name equipment } }
      pageInfo { hasNextPage endCursor }
    }
  }
`);

export const SetById = graphql(`
  query SetById($id: ID!) {
    node(id: $id) { id ... on SetLog { reps weight exercise { id name } } }
  }
`);

export const SessionSets = graphql(`
  query SessionSets($id: ID!) {
    node(id: $id) {
      id
      ... on WorkoutSession { name sets(first: 100) { edges { node { id reps } } } }
    }
  }
`);

export const UpdateReps = graphql(`
  mutation UpdateReps($input: UpdateSetInput!) {
    updateSet(input: $input) { setLog { id reps } }
  }
`);

export const LogSet = graphql(`
  mutation ApolloLogSet($input: LogSetInput!) {
    logSet(input: $input) { created setLog { id reps } }
  }
`);

export const WorkoutEvents = graphql(`
  subscription ApolloWorkoutEvents($sessionId: ID!, $after: String) {
    workoutEvents(sessionId: $sessionId, after: $after) {
      __typename
      ... on LiveEvent { eventId occurredAt }
      ... on SetLogged { setLog { id reps } }
      ... on WorkoutStatusChanged { change }
    }
  }
`);
