// Drives the console in headless Chromium:
//   node console-test.mjs <consoleUrl> <topic> <marker> <screenshot.png>
// 1. the page lists <topic> (created over Kafka before the page loaded);
// 2. it follows partition 0 of <topic>, then prints READY;
// 3. the caller produces a record whose value is <marker> over Kafka; the live tail must show it;
// 4. a screenshot of the console is saved, and PASSED is printed. Any failure exits 1.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const [consoleUrl, topic, marker, screenshot] = process.argv.slice(2);
if (!screenshot) {
  console.error('usage: node console-test.mjs <consoleUrl> <topic> <marker> <screenshot.png>');
  process.exit(2);
}
const WAIT_MS = 30_000;
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

const profile = mkdtempSync(join(tmpdir(), 'riverlog-console-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: CHROMIUM,
  headless: true,
  viewport: { width: 1280, height: 860 },
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic',
    '--no-first-run', '--disable-component-update', '--disable-sync'],
});
const pageErrors = [];
let exitCode = 1;
try {
  const page = context.pages()[0] || await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(consoleUrl);

  const row = page.locator(`tr[data-testid="topic-row"][data-topic="${topic}"][data-partition="0"]`);
  await row.waitFor({ timeout: WAIT_MS });
  console.log(`topic ${topic} listed`);

  await row.locator('[data-testid="tail-button"]').click();
  await page.waitForFunction(() => document.getElementById('tail-status').textContent.startsWith('following'),
    null, { timeout: WAIT_MS });
  console.log('READY');

  const record = page.locator('tr[data-testid="tail-record"]', { hasText: marker });
  await record.waitFor({ timeout: WAIT_MS });
  console.log(`tail shows ${marker} at offset ${await record.getAttribute('data-offset')}`);

  await page.waitForFunction((name) => {
    const hwm = document.querySelector(`tr[data-topic="${name}"] [data-testid="high-watermark"]`);
    const rate = document.getElementById('rate-in').textContent;
    return hwm && Number(hwm.textContent.replace(/,/g, '')) > 0 && /^[0-9,]+$/.test(rate);
  }, topic, { timeout: WAIT_MS });
  await page.screenshot({ path: screenshot });
  if (pageErrors.length > 0) {
    throw new Error('errors in the page: ' + pageErrors.join('; '));
  }
  console.log('PASSED');
  exitCode = 0;
} catch (error) {
  console.log('FAILED: ' + error.message);
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
process.exit(exitCode);
