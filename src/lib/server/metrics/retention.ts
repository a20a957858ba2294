import { sql, type Queryable } from '../db/index.ts';
import { repsInScope, type Scope } from '../auth/scope.ts';
import { withRevenueFacts, type RevenueMixPeriod } from './revenue-mix.ts';

/**
 * The account manager's questions: do the customers whose contracts came up stay and grow (net
 * revenue retention, expansion), and how much of the revenue rests on a few accounts (concentration).
 */

export interface RetentionRow {
	/** The year the accounts became customers; null when neither `customer_since` nor a win says. */
	cohort: string | null;
	/** The row summing every cohort. */
	is_total: boolean;
	accounts: number;
	renewals: number;
	starting: number;
	expansion: number;
	contraction: number;
	churn: number;
	/** Renewals still open in the latest snapshot although their close date in the period has passed. */
	renewals_at_risk: number;
	/** What those renewals are up for: in `starting`, and counted apart from churn until decided. */
	at_risk: number;
	/** (starting + expansion - contraction - churn - at risk) / starting; null without a starting amount. */
	nrr: number | null;
}

export interface NetRevenueRetention {
	/** Renewal deals the scope has in the data at all: zero means NRR cannot be read from this data. */
	renewal_deals_known: number;
	cohorts: RetentionRow[];
	total: RetentionRow | null;
}

/**
 * Net revenue retention per account cohort, over the renewals decided in the period.
 *
 * There is no contract table, so recurring revenue is read from renewal deals, "where renewal data
 * allows": the cohort is the accounts with a renewal decided (its outcome, deal-history.ts: the
 * latest closed stage, with the close date of the snapshot that first showed it in the period) by a
 * rep in the scope. Starting recurring revenue is what was up
 * for renewal: the renewal's amount when it first entered the pipeline, which is how CRMs open
 * renewals (at the current contract value). A lost renewal is churn of that amount; a renewal won for
 * less is contraction, for more is expansion; upsell and cross-sell won in the period on the same
 * accounts are expansion too. Deals whose type had to be derived say only "existing customer", not
 * whether they renew or expand, so they are left out. Cohorts are by the year the account became a
 * customer (`customer_since`, else its first win).
 *
 * Late renewals are the risky ones: a renewal still open in the latest snapshot whose close date in
 * the period has already passed is up for renewal in the period as much as a decided one. It joins
 * the cohort's starting amount and counts as at risk, apart from churn, and NRR counts it as not
 * (yet) retained: leaving it out would make NRR read high exactly when renewals slip. Once decided, it
 * moves to renewed or churned.
 */
export async function netRevenueRetention(db: Queryable, scope: Scope, query: RevenueMixPeriod): Promise<NetRevenueRetention> {
	const decider = repsInScope(scope, sql`rh.owner_id`);
	const currentOwner = repsInScope(scope, sql`rh.current_owner`);
	const expander = repsInScope(scope, sql`fw.owner_id`);
	const rows = await withRevenueFacts(db, (facts) =>
		db.all<RetentionRow & { renewal_deals_known: number }>(
			sql`
			WITH first_won AS (SELECT * FROM ${facts.first_won}),
			renewal_history AS (SELECT * FROM ${facts.renewal_history}),
			latest AS (SELECT max(snapshot_date) AS as_of FROM snapshots),
			renewals_decided AS (
				SELECT rh.*, d.account_id
				FROM renewal_history rh
				JOIN deals d ON d.id = rh.deal_id
				WHERE rh.decided_date BETWEEN ${query.from}::DATE AND ${query.to}::DATE AND d.account_id IS NOT NULL AND ${decider}
				UNION ALL
				-- Still open in the latest snapshot, close date in the period and already passed: at risk.
				SELECT rh.* REPLACE ('at_risk' AS outcome), d.account_id
				FROM renewal_history rh
				JOIN deals d ON d.id = rh.deal_id
				WHERE rh.outcome IS NULL
					AND rh.last_seen = (SELECT as_of FROM latest)
					AND rh.last_close_date BETWEEN ${query.from}::DATE AND ${query.to}::DATE
					AND rh.last_close_date < (SELECT as_of FROM latest)
					AND d.account_id IS NOT NULL AND ${currentOwner}
			),
			renewal_by_account AS (
				SELECT
					account_id,
					count(*) AS renewals,
					sum(amount_up_for_renewal) AS starting,
					coalesce(sum(amount_up_for_renewal) FILTER (WHERE outcome = 'lost'), 0) AS churn,
					coalesce(sum(greatest(amount_up_for_renewal - decided_amount, 0)) FILTER (WHERE outcome = 'won'), 0) AS contraction,
					coalesce(sum(greatest(decided_amount - amount_up_for_renewal, 0)) FILTER (WHERE outcome = 'won'), 0) AS renewal_uplift,
					count(*) FILTER (WHERE outcome = 'at_risk') AS renewals_at_risk,
					coalesce(sum(amount_up_for_renewal) FILTER (WHERE outcome = 'at_risk'), 0) AS at_risk
				FROM renewals_decided
				GROUP BY account_id
			),
			expansion_by_account AS (
				SELECT d.account_id, sum(fw.amount) AS won
				FROM first_won fw
				JOIN deals d ON d.id = fw.deal_id
				WHERE d.deal_type IN ('upsell', 'cross_sell')
					AND fw.won_date BETWEEN ${query.from}::DATE AND ${query.to}::DATE
					AND d.account_id IN (SELECT account_id FROM renewal_by_account)
					AND ${expander}
				GROUP BY d.account_id
			),
			account_first_win AS (
				SELECT d.account_id, min(fw.won_date) AS first_won_date
				FROM first_won fw
				JOIN deals d ON d.id = fw.deal_id
				GROUP BY d.account_id
			),
			account_cohorts AS (
				SELECT
					r.*,
					r.renewal_uplift + coalesce(e.won, 0) AS expansion,
					year(coalesce(a.customer_since, afw.first_won_date))::VARCHAR AS cohort
				FROM renewal_by_account r
				LEFT JOIN expansion_by_account e USING (account_id)
				LEFT JOIN accounts a ON a.id = r.account_id
				LEFT JOIN account_first_win afw USING (account_id)
			)
			SELECT
				(SELECT count(*) FROM renewal_history rh WHERE ${currentOwner})::INTEGER AS renewal_deals_known,
				c.*
			FROM (SELECT true) one
			LEFT JOIN (
				SELECT
					cohort,
					grouping(cohort) = 1 AS is_total,
					count(*)::INTEGER AS accounts,
					coalesce(sum(renewals), 0)::INTEGER AS renewals,
					coalesce(sum(starting), 0)::DOUBLE AS starting,
					coalesce(sum(expansion), 0)::DOUBLE AS expansion,
					coalesce(sum(contraction), 0)::DOUBLE AS contraction,
					coalesce(sum(churn), 0)::DOUBLE AS churn,
					coalesce(sum(renewals_at_risk), 0)::INTEGER AS renewals_at_risk,
					coalesce(sum(at_risk), 0)::DOUBLE AS at_risk,
					((sum(starting) + sum(expansion) - sum(contraction) - sum(churn) - sum(at_risk)) / nullif(sum(starting), 0))::DOUBLE AS nrr
				FROM account_cohorts
				GROUP BY ROLLUP (cohort)
			) c ON true
			ORDER BY c.is_total, c.cohort NULLS LAST`
		)
	);
	const known = rows[0]?.renewal_deals_known ?? 0;
	// An empty cohort still yields ROLLUP's grand-total row (with zero accounts): that is "no total".
	const parts = rows.filter((r) => r.is_total !== null && r.accounts > 0).map(({ renewal_deals_known: _, ...row }) => row);
	return {
		renewal_deals_known: known,
		cohorts: parts.filter((r) => !r.is_total),
		total: parts.find((r) => r.is_total) ?? null
	};
}

export interface ConcentrationAccount {
	rank: number;
	account_id: number;
	name: string;
	key_account: boolean;
	won: number;
	/** Of all revenue won in the period by the scope. */
	share: number;
}

export interface KeyAccountConcentration {
	total_won: number;
	/** Accounts with revenue won in the period. */
	accounts: number;
	/** Won by the 10 accounts with the most won revenue. */
	top_won: number;
	top_share: number | null;
	/** Won from accounts flagged as key accounts. */
	key_account_won: number;
	key_account_share: number | null;
	top_accounts: ConcentrationAccount[];
}

export const concentrationTopN = 10;

/**
 * Key-account concentration: the share of revenue won in the period that came from the 10 accounts
 * that brought the most, and from accounts flagged as key accounts. Won is as on the rest of the
 * page (first snapshot showing Closed Won, close date in the period, owner then in the scope), so the
 * total here equals the page's won total.
 */
export async function keyAccountConcentration(db: Queryable, scope: Scope, query: RevenueMixPeriod): Promise<KeyAccountConcentration> {
	const reps = repsInScope(scope, sql`fw.owner_id`);
	const rows = await withRevenueFacts(db, (facts) =>
		db.all<Omit<KeyAccountConcentration, 'top_accounts' | 'top_share' | 'key_account_share'> & Partial<ConcentrationAccount>>(
			sql`
			WITH first_won AS (SELECT * FROM ${facts.first_won}),
			won_in_period AS (
				SELECT fw.amount, d.account_id
				FROM first_won fw
				LEFT JOIN deals d ON d.id = fw.deal_id
				WHERE fw.won_date BETWEEN ${query.from}::DATE AND ${query.to}::DATE AND ${reps}
			),
			by_account AS (
				SELECT account_id, sum(amount) AS won
				FROM won_in_period
				WHERE account_id IS NOT NULL
				GROUP BY account_id
			),
			ranked AS (
				SELECT account_id, won, row_number() OVER (ORDER BY won DESC, account_id) AS rank
				FROM by_account
			),
			totals AS (
				SELECT
					(SELECT coalesce(sum(amount), 0) FROM won_in_period)::DOUBLE AS total_won,
					(SELECT count(*) FROM by_account)::INTEGER AS accounts,
					(SELECT coalesce(sum(won), 0) FROM ranked WHERE rank <= ${concentrationTopN})::DOUBLE AS top_won,
					(SELECT coalesce(sum(b.won), 0) FROM by_account b JOIN accounts a ON a.id = b.account_id WHERE a.key_account)::DOUBLE AS key_account_won
			)
			SELECT
				t.*,
				r.rank::INTEGER AS rank,
				r.account_id,
				coalesce(a.name, 'Account #' || r.account_id) AS name,
				coalesce(a.key_account, false) AS key_account,
				r.won::DOUBLE AS won
			FROM totals t
			LEFT JOIN ranked r ON r.rank <= ${concentrationTopN}
			LEFT JOIN accounts a ON a.id = r.account_id
			ORDER BY r.rank`
		)
	);
	const totals = rows[0];
	const share = (part: number) => (totals.total_won > 0 ? part / totals.total_won : null);
	return {
		total_won: totals.total_won,
		accounts: totals.accounts,
		top_won: totals.top_won,
		top_share: share(totals.top_won),
		key_account_won: totals.key_account_won,
		key_account_share: share(totals.key_account_won),
		top_accounts: rows
			.filter((r) => r.rank != null)
			.map((r) => ({
				rank: r.rank!,
				account_id: r.account_id!,
				name: r.name!,
				key_account: r.key_account!,
				won: r.won!,
				share: r.won! / totals.total_won
			}))
	};
}
