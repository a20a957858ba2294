import { fiscalYearStart } from '../../domain/periods.ts';
import { sql, type Sql } from '../db/index.ts';

/**
 * Fiscal quarters in SQL, as periods.ts has them in TypeScript (FISCAL_YEAR_START): DuckDB's
 * `date_trunc('quarter', ...)` and `quarter()` know only calendar quarters. The month is a number
 * from 1 to 12 checked at start-up; the fragments carry it as a parameter.
 */

/** Months from January to the fiscal year's first month. */
const shift = () => fiscalYearStart() - 1;

/** The first day of the fiscal quarter `date` falls in, as a DATE. */
export function fiscalQuarterStart(date: Sql): Sql {
	if (shift() === 0) return sql`date_trunc('quarter', ${date})::DATE`;
	const months = sql`to_months(${shift()}::INTEGER)`;
	return sql`(date_trunc('quarter', ${date} - ${months}) + ${months})::DATE`;
}

/** The fiscal quarter `date` falls in, as 'YYYY-Qn' (YYYY: the calendar year its fiscal year ends in). */
export function fiscalQuarter(date: Sql): Sql {
	// Adding the months from the fiscal year's start to the end of its calendar year moves every day
	// into the calendar year the fiscal year ends in.
	const toEnd = (13 - fiscalYearStart()) % 12;
	return sql`(strftime(${date} + to_months(${toEnd}::INTEGER), '%Y') || '-Q' || ((month(${date}) - ${fiscalYearStart()}::INTEGER + 12) % 12 // 3 + 1))`;
}
