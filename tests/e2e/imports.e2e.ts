import fs from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { expectAccessible, signIn } from './helpers';

/**
 * Importing from the browser, on the demo company: a broken file is checked, reported line by line
 * and never written; a good file is previewed, imported, logged and visible on /snapshots. Only
 * admins and leaders may import.
 *
 * The imported snapshot date is the Monday before the demo's first one (2 Dec 2024), so the tests
 * that run after this file still find the demo's newest week (23 Nov 2026) where they expect it.
 */
const importedDate = '2024-11-25';

interface Reps {
	reps: { email: string; role: string; team: string }[];
}

const brokenCsv = [
	'snapshot_date,deal_id,owner,stage,amount,close_date',
	`${importedDate},DEMO-OPP-0000001,someone@demo.test,Discovery,12000,2025-03-31`,
	`${importedDate},DEMO-OPP-0000002,someone@demo.test,Proposal,-12x,2025-02-28`
].join('\n');

async function chooseFile(page: Page, name: string, content: string) {
	await page.getByLabel('Files (CSV or Parquet)').setInputFiles({ name, mimeType: 'text/csv', buffer: Buffer.from(content) });
}

test.describe.configure({ mode: 'serial' });

test('a broken snapshot file is reported with line, column and value, and nothing is imported', async ({ page }) => {
	test.setTimeout(120_000);
	await signIn(page, 'admin@demo.test');
	await page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: 'Imports' }).click();
	await expect(page.getByRole('heading', { level: 1, name: 'Imports' })).toBeVisible();
	await expect(page.getByRole('heading', { name: 'Nothing imported yet' })).toBeVisible();
	await expectAccessible(page);

	await chooseFile(page, 'broken-snapshot.csv', brokenCsv);
	await page.getByLabel('Format').selectOption('native');
	await page.getByRole('button', { name: 'Upload and check' }).click();

	await expect(page.getByTestId('check-summary')).toHaveText(/^Checked\. Errors: 1, warnings: 1\. Nothing was written/);
	const errors = page.getByRole('table', { name: /^Errors: 1/ });
	const row = errors.locator('tbody tr');
	await expect(row).toHaveCount(1);
	await expect(row.locator('td')).toHaveText([
		'broken-snapshot.csv',
		'3',
		'amount',
		'-12x',
		'“-12x” is not a number; expected digits with a decimal point, e.g. 1234.50.'
	]);
	await expect(page.getByTestId('detected-format')).toHaveText('Snapshots: one row per deal per snapshot date');
	await expect(page.getByRole('table', { name: 'First rows of broken-snapshot.csv' }).locator('tbody tr')).toHaveCount(2);
	await expect(page.getByRole('button', { name: /^Import/ })).toHaveCount(0);
	await expectAccessible(page);

	// Nothing was written: the log is still empty, and the date is not among the snapshots.
	await page.reload();
	await expect(page.getByRole('heading', { name: 'Nothing imported yet' })).toBeVisible();
	const snapshots = (await (await page.request.get('/api/v1/snapshots')).json()) as { snapshots: string[] };
	expect(snapshots.snapshots).not.toContain(importedDate);
});

/** A rep of leader1's team: a leader may only import their own team's pipeline. */
async function repOfLeader1(page: Page): Promise<string> {
	const { reps } = (await (await page.request.get('/api/v1/reps')).json()) as Reps;
	return reps.find((r) => r.role === 'AE')!.email;
}

test('the validation report is in German for German readers', async ({ page }) => {
	await signIn(page, 'leader1@demo.test');
	const ownRep = await repOfLeader1(page);
	await page.goto('/imports');
	await page.getByLabel('Language').selectOption('de');
	await expect(page.getByRole('heading', { level: 1, name: 'Importe' })).toBeVisible();
	await page.getByLabel('Dateien (CSV oder Parquet)').setInputFiles({
		name: 'kaputt.csv',
		mimeType: 'text/csv',
		buffer: Buffer.from(brokenCsv.replaceAll('someone@demo.test', ownRep).replaceAll('DEMO-OPP-', 'NEW-OPP-'))
	});
	await page.getByRole('button', { name: 'Hochladen und prüfen' }).click();
	const row = page.getByRole('table', { name: /^Fehler: 1/ }).locator('tbody tr');
	await expect(row.locator('td')).toHaveText([
		'kaputt.csv',
		'3',
		'amount',
		'-12x',
		'„-12x“ ist keine Zahl; erwartet werden Ziffern mit Dezimalpunkt, z. B. 1234.50.'
	]);
	await expectAccessible(page);
});

test('a file larger than one request body arrives whole, in chunks, with progress shown', async ({ page }) => {
	test.setTimeout(120_000);
	await signIn(page, 'leader1@demo.test');
	const ownRep = await repOfLeader1(page);
	await page.goto('/imports');
	// About 1.3 MB: several chunks at the server's default 512 KB request body limit.
	const rows = Array.from({ length: 20_000 }, (_, i) => `2024-11-18,BIG-${i + 1},${ownRep},Discovery,1000,2025-06-30`);
	await chooseFile(page, 'large.csv', ['snapshot_date,deal_id,owner,stage,amount,close_date', ...rows].join('\n'));
	await page.getByRole('button', { name: 'Upload and check' }).click();
	await expect(page.getByRole('status').locator('progress')).toBeVisible();
	await expect(page.getByTestId('check-summary')).toHaveText(
		'Checked, no errors: 20,000 rows are ready to import. Nothing has been written yet.',
		{ timeout: 60_000 }
	);
	await expect(page.getByRole('table', { name: 'First rows of large.csv' }).locator('tbody tr').first()).toContainText('BIG-1');
});

test('a deal list is mapped column by column and checked again; the preview says which weeks it would replace', async ({ page }) => {
	test.setTimeout(120_000);
	await signIn(page, 'admin@demo.test');
	await page.goto('/imports');
	await chooseFile(page, 'deal-list.csv', fs.readFileSync('tests/fixtures/import/deal-list.csv', 'utf8'));
	await page.getByRole('button', { name: 'Upload and check' }).click();

	// Its own column names say nothing: the check asks for a mapping, and offers one picker per column.
	await expect(page.getByRole('table', { name: /^Errors: 1/ })).toContainText('Could not tell the format from the columns.');
	const mapper = page.getByRole('group', { name: 'Columns of the uploaded file' });
	const choices: Record<string, string> = {
		'Opp ID': 'deal_id',
		Rep: 'owner',
		Customer: 'account_name',
		Value: 'amount',
		Opened: 'created_date',
		'Demo held': 'entered:Solution/Demo',
		'Proposal sent': 'entered:Proposal',
		'Won on': 'entered:Closed Won',
		'Lost on': 'entered:Closed Lost',
		'Expected close': 'close_date',
		Status: 'stage'
	};
	for (const [column, field] of Object.entries(choices)) await mapper.getByLabel(column, { exact: true }).selectOption(field);
	await expect(page.getByLabel('Column mapping for a deal list')).toHaveValue(
		Object.entries(choices)
			.map(([column, field]) => `${column}=${field}`)
			.join(', ')
	);
	await page.getByRole('button', { name: 'Check again with these options' }).click();

	await expect(page.getByTestId('check-summary')).toHaveText(/^Checked, no errors/);
	await expect(page.getByTestId('detected-format')).toHaveText('Deal list: created, stage and close dates (with a column mapping)');
	const used = page.getByRole('table', { name: 'Columns used from deal-list.csv' });
	await expect(used.getByRole('row', { name: 'deal_id Opp ID' })).toBeVisible();
	await expect(used.getByRole('row', { name: 'close_date Expected close' })).toBeVisible();
	await expect(page.getByText('Weekly snapshots are taken on Monday.')).toBeVisible();
	// The demo has every Monday of 2026 already, but none of this file's reps: an import replaces
	// only the rows of the reps it names, so nothing of the demo's weeks would go.
	await expect(page.getByText(/^Already loaded, will be replaced/)).toHaveCount(0);
	await expect(page.getByRole('button', { name: /^Import \d+ rows$/ })).toBeVisible();
	// Replacing whole dates is an admin's explicit choice, and the preview says whose rows it deletes.
	await page.getByText('More options').click();
	await page.getByRole('checkbox', { name: /Replace whole snapshot dates/ }).check();
	await page.getByRole('button', { name: 'Check again with these options' }).click();
	await expect(page.getByText(/^Already loaded, will be replaced: 5 Jan 2026: [\d,]+ rows \(.+ [\d,]+\), [\d,]+ of them no longer in the file; 12 Jan 2026/)).toBeVisible();
	await expectAccessible(page);
});

test('a good snapshot file is previewed, imported, logged and listed with the snapshots', async ({ page }) => {
	test.setTimeout(120_000);
	await signIn(page, 'admin@demo.test');
	const { reps } = (await (await page.request.get('/api/v1/reps')).json()) as Reps;
	const [first, second] = reps.filter((r) => r.role === 'AE');
	const goodCsv = [
		'snapshot_date,deal_id,owner,stage,amount,probability,close_date,forecast_category',
		`${importedDate},DEMO-OPP-0000001,${first.email},Discovery,12000,20%,2025-03-31,pipeline`,
		`${importedDate},DEMO-OPP-0000002,${first.email},Proposal,30500.50,,2025-02-28,best_case`,
		`${importedDate},DEMO-OPP-0000003,${second.email},Negotiation,8000,0.8,2025-01-31,commit`
	].join('\n');

	await page.goto('/imports');
	await chooseFile(page, 'good-snapshot.csv', goodCsv);
	await page.getByRole('button', { name: 'Upload and check' }).click();

	// The preview comes first: how the file was understood, before anything is written.
	await expect(page.getByTestId('check-summary')).toHaveText(
		'Checked, no errors: 3 rows are ready to import. Nothing has been written yet.'
	);
	await expect(page.getByTestId('detected-format')).toHaveText('Snapshots: one row per deal per snapshot date');
	await expect(page.getByText('Snapshot dates: 25 Nov 2024')).toBeVisible();
	const mapping = page.getByRole('table', { name: 'Columns used from good-snapshot.csv' });
	await expect(mapping.getByRole('row', { name: 'amount amount' })).toBeVisible();
	const sample = page.getByRole('table', { name: 'First rows of good-snapshot.csv' });
	await expect(sample.locator('tbody tr')).toHaveCount(3);
	await expect(sample.locator('tbody tr').nth(1)).toContainText('30500.50');
	await expectAccessible(page);

	await page.getByRole('button', { name: 'Import 3 rows' }).click();
	await expect(page.getByTestId('import-result')).toHaveText('Imported: 3 rows loaded, snapshot dates 25 Nov 2024.');

	const log = page.getByRole('table', { name: /Imports, newest first/ });
	const entry = log.locator('tbody tr').first();
	await expect(entry.locator('td')).toHaveText([
		/ UTC$/,
		'admin@demo.test',
		'good-snapshot.csv',
		'native',
		'3',
		'3',
		'0',
		'Imported'
	]);
	await expect(log.locator('tbody tr')).toHaveCount(1);
	await expectAccessible(page);
	await page.screenshot({ path: '.test-output/imports.png', fullPage: true });

	await page.getByRole('link', { name: 'See the loaded snapshots' }).click();
	await expect(page.getByRole('heading', { level: 1, name: 'Snapshots loaded' })).toBeVisible();
	const imported = page.locator('tbody tr', { has: page.getByRole('cell', { name: '25 Nov 2024', exact: true }) });
	await expect(imported.locator('td').nth(1)).toHaveText('3');
});

test('reps may not import: no menu entry, 403 on the page and on the API', async ({ page }) => {
	await signIn(page, 'leader1@demo.test');
	const { reps } = (await (await page.request.get('/api/v1/reps')).json()) as Reps;
	const rep = reps.find((r) => r.role === 'AE')!;
	await page.getByRole('button', { name: 'Sign out' }).click();
	await page.waitForURL(/\/login/);

	await signIn(page, rep.email);
	await expect(page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: 'Imports' })).toHaveCount(0);
	const response = await page.goto('/imports');
	expect(response?.status()).toBe(403);
	const upload = await page.request.post('/api/v1/imports', { data: { files: [{ name: 'x.csv', size: 10 }] } });
	expect(upload.status()).toBe(403);
	expect(await upload.json()).toEqual({ message: 'Your role may not do this.' });
});

test('a leader reads only their own imports, and a fourth unfinished upload is refused until one is discarded', async ({ page }) => {
	await signIn(page, 'leader1@demo.test');
	// The admin's import above is not in leader1's log; leader1's own checks above are unfinished uploads.
	const before = (await (await page.request.get('/api/v1/imports')).json()) as { imports: unknown[]; uploads: { id: string }[] };
	expect(before.imports).toEqual([]);
	for (const upload of before.uploads) expect((await page.request.delete(`/api/v1/imports/${upload.id}`)).status()).toBe(204);

	const started: string[] = [];
	for (let i = 0; i < 3; i++) {
		const response = await page.request.post('/api/v1/imports', { data: { files: [{ name: `week-${i}.csv`, size: 100 }] } });
		expect(response.status()).toBe(201);
		started.push(((await response.json()) as { upload: { id: string } }).upload.id);
	}
	const refused = await page.request.post('/api/v1/imports', { data: { files: [{ name: 'week-3.csv', size: 100 }] } });
	expect(refused.status()).toBe(429);
	expect(await refused.json()).toEqual({
		message:
			'You already have 3 unfinished uploads, the most this server allows at once (3). ' +
			'Import or discard one of them and try again (uploads left alone are removed after 60 minutes).',
		limit: 3,
		unfinished: 3
	});

	for (const id of started) expect((await page.request.delete(`/api/v1/imports/${id}`)).status()).toBe(204);
	const again = await page.request.post('/api/v1/imports', { data: { files: [{ name: 'week-3.csv', size: 100 }] } });
	expect(again.status()).toBe(201);
	await page.request.delete(`/api/v1/imports/${((await again.json()) as { upload: { id: string } }).upload.id}`);
});
