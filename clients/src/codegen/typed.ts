/**
 * What strict tsc proves about the generated types: scalars are mapped (strictScalars),
 * variables are checked, and a non-null field needs no `?.`.
 */
import type { ResultOf, VariablesOf } from '@graphql-typed-document-node/core';

import { ExercisePage, LogSet } from '../apollo/documents';

type LogSetVariables = VariablesOf<typeof LogSet>;
type Page = ResultOf<typeof ExercisePage>;

export const variables: LogSetVariables = {
  input: { sessionId: 'V29ya291dFNlc3Npb246MQ', exerciseId: 'RXhlcmNpc2U6MQ', reps: 5, weight: 100, weightUnit: 'KG' },
};

// @ts-expect-error reps is an Int: a string is a compile error, not a runtime one.
export const wrong: LogSetVariables = { input: { sessionId: 's', exerciseId: 'e', reps: 'five' } };

export function firstName(page: Page): string | undefined {
  return page.exercises.edges[0]?.node.name; // exercises, edges and node are non-null in the schema
}
