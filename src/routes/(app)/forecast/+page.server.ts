import { quarterOf } from '$lib/domain/periods';
import { database } from '$lib/server/db';
import { scopedAnswers } from '$lib/server/metrics/remembered';
import { calibratedForecastByMonth, shrinkageDeals, stageWinRates } from '$lib/server/metrics/calibration';
import { forecastByPeriod } from '$lib/server/metrics/forecast';
import { backtestHorizons, forecastBacktest, forecastMovement, reliableTolerance } from '$lib/server/metrics/forecast-accuracy';
import { forecastSelection } from './filters';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const selection = await forecastSelection(event);
	const { scope, asOf, months, quarter } = selection;
	const filters = {
		dates: selection.dates,
		asOf,
		months,
		quarters: selection.quarters,
		quarter,
		team: selection.team,
		rep: selection.rep,
		teams: selection.options.teams.map((t) => t.name),
		reps: selection.options.reps,
		// One rep in view: their team's rows would only repeat their own.
		singleRep: scope.repIds !== null && scope.repIds.length === 1
	};
	if (asOf === null || quarter === null) return { filters, forecast: null };

	const db = await database();
	// Separate reads run on separate connections, so the questions are answered side by side; each is
	// remembered on its own, so another quarter or horizon works out only what depends on it.
	const ask = scopedAnswers(db, scope);
	const [period, movement, backtest, rates, calibrated] = await Promise.all([
		ask('forecast by period', forecastByPeriod, { asOf, months }),
		ask('forecast movement', forecastMovement, { quarter, asOf }),
		ask('forecast backtest', forecastBacktest, { asOf }),
		ask('stage win rates', stageWinRates, { asOf }),
		ask('calibrated forecast', calibratedForecastByMonth, { asOf, months })
	]);
	return {
		filters,
		forecast: {
			// Open deals without a close date are in no month: the page says how many and what they weigh.
			noCloseDate: period.buckets.no_close_date,
			currentQuarter: quarterOf(asOf),
			months: period.months,
			quarters: period.quarters,
			buckets: period.buckets,
			movement,
			backtest,
			rates,
			calibrated,
			constants: { shrinkageDeals, reliableTolerance, horizons: [...backtestHorizons] }
		}
	};
};
