import type { Command } from 'commander';
import { generateKey, hashKey } from '../auth/api-keys';
import { isRole, ROLES, type Role } from '../auth/roles';

function parseRole(v: string): Role {
  if (!isRole(v)) throw new Error(`--role must be one of ${ROLES.join(', ')} (got "${v}")`);
  return v;
}

/** `segmenta keys hash <key>` and `segmenta keys generate --role <role>`: API_KEYS entries without tooling. */
export function registerKeys(program: Command): void {
  const keys = program.command('keys').description('create API keys and the API_KEYS entries that accept them');
  keys
    .command('hash <key>')
    .description('print the SHA-256 of a key (with --role, the whole API_KEYS entry)')
    .option('--role <role>', `${ROLES.join(' | ')}`, parseRole)
    .action((key: string, opts: { role?: Role }) => {
      if (key.trim() !== key || key.length === 0) throw new Error('the key must be non-empty and have no surrounding spaces');
      const hash = hashKey(key);
      process.stdout.write(`${opts.role ? `${opts.role}:${hash}` : hash}\n`);
    });
  keys
    .command('generate')
    .description('create a random key; prints the key (shown once) and its API_KEYS entry')
    .requiredOption('--role <role>', `${ROLES.join(' | ')}`, parseRole)
    .option('--json', 'print {"key", "entry"} as JSON')
    .action((opts: { role: Role; json?: boolean }) => {
      const key = generateKey();
      const entry = `${opts.role}:${hashKey(key)}`;
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({ key, entry })}\n`);
        return;
      }
      process.stdout.write(`key:   ${key}\nentry: ${entry}\n`);
      process.stderr.write('Give the key to the client (send it as "Authorization: Bearer <key>"); it is not stored anywhere.\nAppend the entry to API_KEYS (comma-separated) and restart the server.\n');
    });
}
