import type { PageData } from './$types';

/**
 * The strengths shapes the team components draw, as the team page receives them: read from the
 * page's own data, so the browser's code never reaches into server modules for a type.
 */
export type RepProfile = PageData['profiles'][number];
export type RepKpis = RepProfile['kpis'];
/** Why a KPI or measure has no value: the import it is counted from was never made. */
export type MissingData = NonNullable<RepProfile['kpisMissing'][keyof RepProfile['kpisMissing']]>;
