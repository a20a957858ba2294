import { setReportingCurrency } from '$lib/domain/format';
import { setFiscalYearStart } from '$lib/domain/periods';
import type { LayoutLoad } from './$types';

/**
 * The company's reporting currency and fiscal year, from the server, set before any page renders so
 * that every formatted amount and every quarter in the browser matches the server's.
 */
export const load: LayoutLoad = ({ data }) => {
	setReportingCurrency(data.settings.reportingCurrency);
	setFiscalYearStart(data.settings.fiscalYearStart);
	return data;
};
