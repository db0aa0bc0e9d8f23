import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildAppSchema, printAppSchema } from '../src/graphql/schema';

/** `npm run schema`: writes the SDL of the resolvers to schema/schema.graphql (sorted, stable). */
async function main(): Promise<void> {
  // Compiled to dist/scripts/, so the project root is two levels up.
  const root = path.resolve(__dirname, '..', '..');
  const file = path.join(root, 'schema', 'schema.graphql');
  const sdl = printAppSchema(await buildAppSchema());
  writeFileSync(file, sdl);
  process.stdout.write(`wrote ${path.relative(root, file)} (${sdl.split('\n').length} lines)\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
