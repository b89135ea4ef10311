/**
 * What a frontend developer does with a running Readout API, done by a test: generate typed
 * documents from the API's schema with graphql-codegen's client preset, type-check a client that
 * uses them, and bundle it for a browser.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generate } from '@graphql-codegen/cli';
import { build } from 'vite';

const root = new URL('../../', import.meta.url).pathname;

export interface GeneratedClient {
  /** The bundled client, one script to run in a page of the API's origin. */
  readonly script: string;
}

/**
 * `folder` lies inside the repository (so that its imports resolve from node_modules).
 * `client.ts` (given) imports `graphql` from './gql/index.ts': the typed documents are generated
 * into `<folder>/gql` from the API at `schemaUrl` (introspection), the client is type-checked with
 * TypeScript's strict settings, then bundled. Throws with the compiler's words when it does not
 * type-check.
 */
export async function buildGeneratedClient(
  folder: string,
  schemaUrl: string,
  client: string,
): Promise<GeneratedClient> {
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, 'client.ts'), client);
  await generate(
    {
      schema: schemaUrl,
      documents: [join(folder, 'client.ts')],
      generates: {
        [join(folder, 'gql/')]: {
          preset: 'client',
          presetConfig: { fragmentMasking: false },
          config: {
            documentMode: 'string',
            enumsAsTypes: true,
            strictScalars: true,
            useTypeImports: true,
            scalars: { Decimal: 'string', BigInt: 'string', DateTime: 'string' },
          },
        },
      },
      silent: true,
    },
    true,
  );
  writeFileSync(
    join(folder, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        noUncheckedIndexedAccess: true,
        exactOptionalPropertyTypes: true,
        target: 'ES2023',
        lib: ['ES2023', 'DOM'],
        module: 'ESNext',
        moduleResolution: 'Bundler',
        allowImportingTsExtensions: true,
        noEmit: true,
        skipLibCheck: true,
        types: [],
      },
      include: ['client.ts', 'gql'],
    }),
  );
  const checked = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', folder], {
    encoding: 'utf8',
  });
  if (checked.status !== 0)
    throw new Error(`the generated client does not type-check:\n${checked.stdout}${checked.stderr}`);
  await build({
    configFile: false,
    logLevel: 'warn',
    root: folder,
    build: {
      outDir: join(folder, 'dist'),
      emptyOutDir: true,
      minify: false,
      lib: {
        entry: join(folder, 'client.ts'),
        formats: ['iife'],
        name: 'generatedClient',
        fileName: () => 'client.js',
      },
    },
  });
  return { script: readFileSync(join(folder, 'dist/client.js'), 'utf8') };
}
