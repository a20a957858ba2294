/**
 * The forecast's facts are whole-history facts like the others now (facts/history.ts). This module
 * only keeps the routes' import working until they import `forecastSnapshotDates` from forecast.ts.
 */
export { forecastSnapshotDates } from './forecast.ts';
