// Placeholder types; the session implementation lands with the sign-in issue.
import type { UserRole } from '../../domain/roles.ts';

export interface SessionUser {
	id: string;
	email: string;
	name: string;
	role: UserRole;
	repId: number | null;
	teamIds: number[];
}

export interface Session {
	id: string;
	userId: string;
	expiresAt: Date;
}
