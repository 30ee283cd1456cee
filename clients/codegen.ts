// GraphQL Code Generator, client preset: typed documents for Apollo Client and urql.
// strictScalars makes an unmapped custom scalar a build error, never `unknown`.
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: '../schema.graphql',
  documents: ['src/apollo/**/*.ts', 'src/urql/**/*.ts', 'src/codegen/**/*.ts'],
  ignoreNoDocuments: false,
  generates: {
    'src/gql/': {
      preset: 'client',
      config: {
        strictScalars: true,
        // DateTime: RFC 3339 with offset; Date: YYYY-MM-DD; Time: hh:mm:ss (see the scalars' @specifiedBy).
        // Upload: a file part of a multipart request (progress photos), which these clients do not send.
        scalars: { DateTime: 'string', Date: 'string', Time: 'string', Upload: 'unknown' },
        enumsAsTypes: true,
        nonOptionalTypename: true,
        useTypeImports: true,
      },
    },
  },
};

export default config;
