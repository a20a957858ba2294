import { chromium } from '@playwright/test';
import { median, ms } from './stats.ts';

export interface BrowserFigures {
	/** Median over three loads of navigating to the page until its `load` event, charts included. */
	first_render_ms: number;
	/** The most DOM nodes in any one chart on the page (an <svg> and everything in it). */
	max_chart_nodes: number;
}

/** The same Chromium and flags as playwright.config.ts; browsers cannot be downloaded here. */
const launchOptions = {
	executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
	args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic']
};

/**
 * Loads each page in Chromium, signed in, as a user opening it from a bookmark: server render,
 * scripts, hydration and the charts drawn in the browser. A timing, not a test: nothing fails.
 */
export async function browserTimings(
	origin: string,
	pages: { name: string; path: string; cookie: string }[]
): Promise<Record<string, BrowserFigures>> {
	const browser = await chromium.launch(launchOptions);
	try {
		const results: Record<string, BrowserFigures> = {};
		for (const { name, path, cookie } of pages) {
			const context = await browser.newContext({ locale: 'en-GB' });
			const [cookieName, cookieValue] = cookie.split('=');
			await context.addCookies([{ name: cookieName, value: cookieValue, url: origin }]);
			const page = await context.newPage();
			// One load to warm the browser's cache of the app's scripts, as for any returning user.
			await page.goto(origin + path, { waitUntil: 'load' });
			const loads: number[] = [];
			let maxNodes = 0;
			for (let i = 0; i < 3; i++) {
				const started = performance.now();
				const response = await page.goto(origin + path, { waitUntil: 'load' });
				if (!response || response.status() !== 200) throw new Error(`${path} answered ${response?.status()} in the browser`);
				// Charts are drawn by Plot after hydration: wait for the frame after the last one appeared.
				await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
				loads.push(performance.now() - started);
				maxNodes = Math.max(
					maxNodes,
					await page.evaluate(() => {
						const charts = [...document.querySelectorAll('svg')].filter((svg) => !svg.parentElement?.closest('svg'));
						return Math.max(0, ...charts.map((svg) => svg.querySelectorAll('*').length + 1));
					})
				);
			}
			results[name] = { first_render_ms: ms(median(loads)), max_chart_nodes: maxNodes };
			await context.close();
		}
		return results;
	} finally {
		await browser.close();
	}
}
