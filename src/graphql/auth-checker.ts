import type { AuthCheckerFn } from 'type-graphql';
import { forbidden, unauthenticated } from '../shared/errors';
import { ROLES, roleAtLeast, type Principal, type Role } from '../auth/roles';

/**
 * The one authorization rule for @Authorized fields. Roles nest (admin ⊃ analyst ⊃ viewer), so
 * `@Authorized('analyst')` admits analysts and admins; listing several roles admits the weakest of them and up.
 * Throws (instead of returning false) so the error names the field and the role needed.
 */
export const authChecker: AuthCheckerFn<{ principal?: Principal }, Role> = ({ context, info }, roles) => {
  const principal = context.principal;
  if (!principal) throw unauthenticated('an API key is required: send "Authorization: Bearer <key>"');
  if (roles.length === 0) return true;
  for (const r of roles) if (!ROLES.includes(r)) throw new Error(`@Authorized names an unknown role "${String(r)}"`);
  if (roles.some((r) => roleAtLeast(principal.role, r))) return true;
  const needed = [...roles].sort((a, b) => ROLES.indexOf(a) - ROLES.indexOf(b))[0];
  throw forbidden(`${info.parentType.name}.${info.fieldName} requires the ${needed} role; this API key has the ${principal.role} role`, {
    requiredRole: needed,
    role: principal.role,
  });
};
