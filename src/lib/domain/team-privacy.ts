/** Why a team figure is not shown to a rep: too few other reps behind it, or a period not of whole months (src/lib/server/metrics/team-privacy.ts). */
export type TeamFigureWithheld = 'too_few_reps' | 'partial_months';
