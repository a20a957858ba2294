/**
 * Who works at the demo company, what each of them is secretly good at, and who they sell to.
 *
 * The roster is fixed (it does not depend on the seed), so a rep's hidden traits are a stable fact
 * that tests of later features can assert against: "the strengths view ranks Sophie Schneider's
 * closing above Maximilian Koch's". The seed only decides how their weeks play out.
 */
import type { Day } from './calendar.ts';
import { addYears } from './calendar.ts';
import { Random } from './random.ts';

export type DemoRole = 'SDR' | 'BDR' | 'AE' | 'AM' | 'KAM';
export type Forecasting = 'reliable' | 'optimistic';

/**
 * What a rep is really like, hidden from the product, which has to find it in the data.
 * 1 means "typical for the role"; the effects are sized so that, at the default scale, ranking reps
 * by the trait and by what the data shows agrees (Spearman >= 0.6), once each rep is compared with
 * their own team (an Enterprise AE opens fewer, bigger deals than a North AE by design).
 */
export interface RepTraits {
	/**
	 * Multiplier on the opportunities a rep opens: deals sourced (SDR, BDR, counted by `sourced_by`),
	 * inbound and partner leads turned into opportunities (AE, counted by owner), and therefore
	 * meetings booked. Strong openers: Lena Wagner, Chloé Dubois (sourcing), Felix Hoffmann,
	 * Maximilian Koch (AE).
	 */
	opening: number;
	/**
	 * Multiplier on the odds that an opportunity is won (at the low odds of new business, nearly on
	 * the win rate itself); it matters for AEs and barely varies among AMs and KAMs. Strong closers:
	 * Sophie Schneider, Alexander Schmitt, Laura Schulz, Anna Fischer; weak: Maximilian Koch, Felix
	 * Hoffmann.
	 */
	closing: number;
	/**
	 * Chance, each week in the two months before a deal's expected close, that the rep pushes the
	 * close date out by one to five weeks, because the deal really is taking longer. Slippers: Lukas
	 * Meier, Sebastian Vogel, Jan de Vries.
	 */
	slipping: number;
	/**
	 * `reliable`: the probability on a deal is its true chance (the stage default, with the odds
	 * scaled by the rep's closing skill) plus a little personal noise: deals close about as often as
	 * it says. `optimistic`: the stage default (or the true chance, if higher) plus 0.18 to 0.26 from
	 * Discovery on, half that before, so Proposal-stage deals sit in commit; close dates are planned
	 * about 20% too early. Their commit deals miss the quarter far more often. Optimists: Lukas
	 * Meier, Tobias Braun, Maximilian Koch, Sebastian Vogel, Marie Lehmann (AE), Moritz Krüger (AM).
	 */
	forecasting: Forecasting;
	/**
	 * AM/KAM multiplier on upsell and cross-sell: how many are opened on their accounts, and (by its
	 * square root) the odds of winning them and their size, so their accounts grow faster. Strong
	 * expanders: Katharina Wolf, Stefan Brandt, Sarah Klein; weak: Erik Lindqvist, Daniel Schäfer.
	 */
	expanding: number;
}

export interface DemoTeam {
	id: number;
	name: string;
	/** Enterprise deals are fewer, bigger and take 6 to 18 months; North and South sell mid-market. */
	segment: 'midmarket' | 'enterprise';
}

export interface DemoRep {
	id: number;
	name: string;
	email: string;
	role: DemoRole;
	teamId: number;
	traits: RepTraits;
	/**
	 * Reps who left: gone after this many weeks of the snapshot history (their open deals go to a
	 * colleague, their closed ones stay theirs); the row stays with `active = false`.
	 */
	leavesAfterWeeks: number | null;
}

export const demoTeams: readonly DemoTeam[] = [
	{ id: 1, name: 'North', segment: 'midmarket' },
	{ id: 2, name: 'South', segment: 'midmarket' },
	{ id: 3, name: 'Enterprise', segment: 'enterprise' }
];

const opener = (opening: number): RepTraits => ({
	opening,
	closing: 1,
	slipping: 0,
	forecasting: 'reliable',
	expanding: 1
});
const seller = (opening: number, closing: number, slipping: number, forecasting: Forecasting): RepTraits => ({
	opening,
	closing,
	slipping,
	forecasting,
	expanding: 1
});
const farmer = (expanding: number, closing: number, slipping: number, forecasting: Forecasting): RepTraits => ({
	opening: 1,
	closing,
	slipping,
	forecasting,
	expanding
});

type RosterEntry = [name: string, role: DemoRole, team: string, traits: RepTraits, leavesAfterWeeks?: number];

const roster: RosterEntry[] = [
	['Lena Wagner', 'SDR', 'North', opener(1.8)],
	['Jonas Becker', 'SDR', 'North', opener(0.7)],
	['Marta Kowalska', 'BDR', 'North', opener(1.3)],
	['Felix Hoffmann', 'AE', 'North', seller(1.7, 0.5, 0.05, 'reliable')],
	['Sophie Schneider', 'AE', 'North', seller(0.8, 2.0, 0.03, 'reliable')],
	['Lukas Meier', 'AE', 'North', seller(1.0, 1.0, 0.22, 'optimistic')],
	['Anna Fischer', 'AE', 'North', seller(0.65, 1.4, 0.06, 'reliable')],
	['Tobias Braun', 'AE', 'North', seller(0.9, 0.85, 0.1, 'optimistic'), 36],
	['Katharina Wolf', 'AM', 'North', farmer(1.7, 1.05, 0.04, 'reliable')],
	['Daniel Schäfer', 'AM', 'North', farmer(0.75, 0.95, 0.05, 'reliable')],
	['Claudia Neumann', 'KAM', 'North', farmer(1.2, 1.0, 0.03, 'reliable')],

	['Elif Yılmaz', 'SDR', 'South', opener(1.4)],
	['Niklas Richter', 'SDR', 'South', opener(0.9)],
	['Paul Zimmermann', 'SDR', 'South', opener(1.0), 64],
	['Matteo Rossi', 'BDR', 'South', opener(0.75)],
	['Laura Schulz', 'AE', 'South', seller(1.25, 1.6, 0.04, 'reliable')],
	['Maximilian Koch', 'AE', 'South', seller(1.5, 0.45, 0.12, 'optimistic')],
	['Julia Bauer', 'AE', 'South', seller(0.85, 1.1, 0.03, 'reliable')],
	['Jan de Vries', 'AE', 'South', seller(1.1, 0.7, 0.18, 'reliable')],
	['Sarah Klein', 'AM', 'South', farmer(1.35, 1.0, 0.03, 'reliable')],
	['Moritz Krüger', 'AM', 'South', farmer(0.9, 0.95, 0.06, 'optimistic')],
	['Thomas Weber', 'KAM', 'South', farmer(1.0, 1.05, 0.04, 'reliable')],

	['Hannah Lange', 'SDR', 'Enterprise', opener(1.1)],
	['Leon Hartmann', 'SDR', 'Enterprise', opener(0.6)],
	['Chloé Dubois', 'BDR', 'Enterprise', opener(1.9)],
	['Alexander Schmitt', 'AE', 'Enterprise', seller(0.9, 1.8, 0.05, 'reliable')],
	['Clara Martínez', 'AE', 'Enterprise', seller(1.35, 0.9, 0.08, 'reliable')],
	['Sebastian Vogel', 'AE', 'Enterprise', seller(0.7, 0.6, 0.2, 'optimistic')],
	['Marie Lehmann', 'AE', 'Enterprise', seller(1.05, 1.2, 0.1, 'optimistic')],
	['Johanna Krause', 'AM', 'Enterprise', farmer(1.1, 1.0, 0.05, 'reliable')],
	['Erik Lindqvist', 'AM', 'Enterprise', farmer(0.6, 0.95, 0.04, 'reliable')],
	['Stefan Brandt', 'KAM', 'Enterprise', farmer(1.5, 1.05, 0.03, 'reliable')]
];

/** Lower-case ASCII, the way a mail server spells it: "Daniel Schäfer" becomes "daniel.schaefer". */
export function emailFor(name: string): string {
	const ascii = name
		.toLowerCase()
		.replace(/ä/g, 'ae')
		.replace(/ö/g, 'oe')
		.replace(/ü/g, 'ue')
		.replace(/ß/g, 'ss')
		.replace(/ı/g, 'i')
		.replace(/ł/g, 'l')
		.normalize('NFD')
		.replace(/[\u0300-\u036f]/g, '');
	const parts = ascii.split(/\s+/);
	const first = parts[0];
	const last = parts.slice(1).join('');
	return `${first}.${last}@demo.test`.replace(/[^a-z.@]/g, '');
}

export const demoReps: readonly DemoRep[] = roster.map(([name, role, team, traits, leavesAfterWeeks], index) => ({
	id: index + 1,
	name,
	email: emailFor(name),
	role,
	teamId: demoTeams.find((t) => t.name === team)!.id,
	traits,
	leavesAfterWeeks: leavesAfterWeeks ?? null
}));

/** The hidden traits by rep e-mail: what the product's strengths and forecast views should find. */
export const demoRepTraits: Readonly<Record<string, RepTraits>> = Object.freeze(
	Object.fromEntries(demoReps.map((rep) => [rep.email, rep.traits]))
);

// ---------------------------------------------------------------------------------------------
// Accounts

export interface DemoAccount {
	id: number;
	crmId: string;
	name: string;
	teamId: number;
	keyAccount: boolean;
	/** Customers before the history starts have it from the outset; prospects get it when they first win. */
	customerSince: Day | null;
	/** The AM or KAM who looks after the account once it is a customer. */
	managerId: number | null;
	/** Annual recurring revenue in cents, what renewals and upsells are sized from. */
	arrCents: number;
	/** The next contract anniversary, when a renewal is due. */
	nextRenewal: Day | null;
	/** A lost renewal: the customer left and gets no further deals. */
	churnedOn: Day | null;
	/** When the account's open new-business deal closes (as planned), to spread the AEs' attention. */
	openNewBusinessUntil: Day;
	/** Likewise for upsell and cross-sell: one at a time per customer. */
	openExpansionUntil: Day;
}

const cityPrefixes = [
	'Nordwind', 'Alpen', 'Rhein', 'Elbe', 'Hanse', 'Isar', 'Bodensee', 'Schwarzwald', 'Donau', 'Main',
	'Mosel', 'Spree', 'Weser', 'Harz', 'Taunus', 'Eifel', 'Adler', 'Falken', 'Linden', 'Eichen',
	'Sternberg', 'Sonnenfeld', 'Blautal', 'Kristall', 'Polar', 'Helvetia', 'Baltic', 'Nordic', 'Iberia',
	'Lombardia', 'Flandria', 'Tirol', 'Vistula', 'Ostsee', 'Nordsee', 'Allgäu', 'Saale', 'Neckar',
	'Ruhr', 'Lahn'
];
const familyNames = [
	'Müller', 'Schmidt', 'Weber', 'Krause', 'Hartmann', 'Vogt', 'Kaiser', 'Brenner', 'Lorenz', 'Engel',
	'Seidel', 'Haas', 'Frank', 'Berger', 'Winkler', 'Roth', 'Beck', 'Sommer', 'Jansen', 'Van Dijk',
	'Peeters', 'Moretti', 'Ricci', 'Novak', 'Nowak', 'Dupont', 'Lefèvre', 'García', 'Andersson',
	'Nielsen', 'Horváth', 'Svoboda', 'Keller', 'Graf', 'Huber', 'Mayer', 'Lindner', 'Ernst', 'Albrecht'
];
const industries = [
	'Logistik', 'Maschinenbau', 'Medizintechnik', 'Energie', 'Pharma', 'Bau', 'Software', 'Textil',
	'Handel', 'Versicherung', 'Elektronik', 'Automotive', 'Lebensmittel', 'Chemie', 'Systeme',
	'Solutions', 'Consulting', 'Robotics', 'Verpackung', 'Kunststoff', 'Druck', 'Facility Services',
	'Stahl', 'Analytics', 'Mobility', 'Agrar', 'Immobilien', 'Finanz', 'Telekom', 'Optik'
];
const legalForms = [
	'GmbH', 'GmbH', 'GmbH', 'AG', 'SE', 'KG', 'GmbH & Co. KG', 'B.V.', 'S.p.A.', 'S.A.', 'sp. z o.o.',
	'AB', 'ApS', 'Oy', 'N.V.', 's.r.o.'
];

function companyName(rng: Random): string {
	const form = rng.pick(legalForms);
	switch (rng.int(0, 3)) {
		case 0:
			return `${rng.pick(cityPrefixes)} ${rng.pick(industries)} ${form}`;
		case 1:
			return `${rng.pick(familyNames)} ${rng.pick(industries)} ${form}`;
		case 2:
			return `${rng.pick(familyNames)} & ${rng.pick(familyNames)} ${form}`;
		default:
			return `${rng.pick(cityPrefixes)}${rng.pick(['tec', 'werk', 'data', 'med', 'log', 'bau'])} ${form}`;
	}
}

/** Mid-market customers spend tens of thousands a year; enterprise ones hundreds of thousands. */
export function typicalContractCents(rng: Random, team: DemoTeam): number {
	const euros =
		team.segment === 'enterprise'
			? clamp(rng.logNormal(140_000, 0.6), 40_000, 1_500_000)
			: clamp(rng.logNormal(18_000, 0.55), 3_000, 150_000);
	return Math.round(euros * 100);
}

export function clamp(value: number, min: number, max: number): number {
	return value < min ? min : value > max ? max : value;
}

/**
 * The company's market at the start of the simulation: ~35% are customers already (with a
 * `customer_since` before the history begins), the rest prospects; ~5% are key accounts, most of them
 * big customers in the KAM's care, a few strategic targets still to be won.
 */
export function foundAccounts(rng: Random, count: number, historyStart: Day): DemoAccount[] {
	const accounts: DemoAccount[] = [];
	for (let i = 0; i < count; i++) {
		const team = rng.weighted(demoTeams, [0.35, 0.35, 0.3]);
		const keyAccount = rng.chance(team.segment === 'enterprise' ? 0.07 : 0.05);
		const customer = rng.chance(keyAccount ? 0.8 : 0.33);
		const customerSince = customer ? historyStart - rng.int(60, 8 * 365) : null;
		let arrCents = typicalContractCents(rng, team);
		if (keyAccount) arrCents = Math.round(arrCents * 2.5);
		let managerId: number | null = null;
		let nextRenewal: Day | null = null;
		if (customerSince !== null) {
			managerId = accountManagerFor(rng, team.id, keyAccount);
			nextRenewal = addYears(customerSince, 1);
		}
		accounts.push({
			id: i + 1,
			crmId: `DEMO-ACC-${String(i + 1).padStart(6, '0')}`,
			name: companyName(rng),
			teamId: team.id,
			keyAccount,
			customerSince,
			managerId,
			arrCents,
			nextRenewal,
			churnedOn: null,
			openNewBusinessUntil: -Infinity,
			openExpansionUntil: -Infinity
		});
	}
	return accounts;
}

/** Key accounts go to the team's KAM (mostly); every other customer to one of its AMs. */
export function accountManagerFor(rng: Random, teamId: number, keyAccount: boolean): number {
	const inTeam = demoReps.filter((r) => r.teamId === teamId && r.leavesAfterWeeks === null);
	const kam = inTeam.filter((r) => r.role === 'KAM');
	const ams = inTeam.filter((r) => r.role === 'AM');
	if (keyAccount && kam.length > 0 && rng.chance(0.85)) return rng.pick(kam).id;
	return rng.pick(ams).id;
}
