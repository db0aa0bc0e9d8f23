/**
 * API roles, weakest first. They nest: an analyst may do everything a viewer may, an admin everything an
 * analyst may. viewer: read queries; analyst: also classify; admin: also retrain and activate models.
 */
export const ROLES = ['viewer', 'analyst', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(v: unknown): v is Role {
  return typeof v === 'string' && (ROLES as readonly string[]).includes(v);
}

/** True when `held` grants at least what `required` grants. */
export function roleAtLeast(held: Role, required: Role): boolean {
  return ROLES.indexOf(held) >= ROLES.indexOf(required);
}

/** Who is calling. `keyId` names the key in logs (a hash prefix, never the key). */
export interface Principal {
  role: Role;
  keyId: string;
  /** True when no keys are configured and every caller is treated as admin (local use). */
  open: boolean;
}

export const OPEN_PRINCIPAL: Principal = Object.freeze({ role: 'admin', keyId: 'open-local-mode', open: true });
