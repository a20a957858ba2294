import type { PageData } from './$types';

/**
 * The strengths shapes the team components draw, as the team page receives them: read from the
 * page's own data, so the browser's code never reaches into server modules for a type.
 */
export type RepProfile = PageData['profiles'][number];
export type RepKpis = RepProfile['kpis'];
