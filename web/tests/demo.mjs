// Browser test of the map page against a running `skyfence demo`, in a real headless
// Chromium driven by playwright-core. Run by crates/skyfence/tests/browser.rs, which
// starts the demo and passes these settings:
//   SKYFENCE_URL, SKYFENCE_API_TOKEN, SKYFENCE_OPERATOR_PASSWORD,
//   SKYFENCE_VIEWER_PASSWORD, SKYFENCE_ARTIFACTS (folder for the screenshot),
//   SKYFENCE_CHROMIUM (the browser binary, default /usr/bin/chromium).
// Exits non-zero with a message on the first failed check; prints one JSON line of
// measurements on success.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const env = (k, d) => {
  const v = process.env[k] ?? d;
  if (v === undefined) throw new Error(`${k} is not set`);
  return v;
};
const URL = env('SKYFENCE_URL');
const TOKEN = env('SKYFENCE_API_TOKEN');
const OPERATOR_PW = env('SKYFENCE_OPERATOR_PASSWORD');
const VIEWER_PW = env('SKYFENCE_VIEWER_PASSWORD');
const ARTIFACTS = env('SKYFENCE_ARTIFACTS');
const CHROMIUM = env('SKYFENCE_CHROMIUM', '/usr/bin/chromium');

function check(ok, what) {
  if (!ok) throw new Error(`check failed: ${what}`);
}

async function login(page, user, password) {
  if (!(await page.isVisible('#login-form'))) await page.goto(`${URL}/`);
  await page.waitForSelector('#login-form', { state: 'visible' });
  await page.fill('#login-user', user);
  await page.fill('#login-password', password);
  await page.click('#login-submit');
}

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
const measured = {};
try {
  const context = await browser.newContext({ viewport: { width: 1400, height: 850 } });
  const page = await context.newPage();
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));

  // A wrong password is refused, and the page says so.
  await login(page, 'operator', `${OPERATOR_PW}-wrong`);
  await page.waitForFunction(() => document.querySelector('#login-error').textContent.length > 0);
  check((await page.textContent('#login-error')).includes('Wrong'), 'a wrong password is refused');
  check(await page.isHidden('#app'), 'the map stays hidden after a refused login');

  // A viewer sees the picture but cannot acknowledge.
  await login(page, 'viewer', VIEWER_PW);
  await page.waitForSelector('#app', { state: 'visible' });
  await page.waitForFunction(() => window.skyfence.tracks.size > 0 && window.skyfence.alerts.size > 0, null, { timeout: 60000 });
  check((await page.locator('#alert-list button.ack:visible').count()) === 0, 'a viewer gets no acknowledge buttons');
  const viewerAck = await page.evaluate(async () => {
    const id = [...window.skyfence.alerts.keys()][0];
    const r = await fetch(`/ui/alerts/${id}/ack`, { method: 'POST' });
    return { id, status: r.status };
  });
  check(viewerAck.status === 403, `a viewer's acknowledgement is refused with 403 (got ${viewerAck.status})`);
  const afterViewer = await (await fetch(`${URL}/api/alerts`, { headers: { Authorization: `Bearer ${TOKEN}` } })).json();
  const untouched = afterViewer.find((a) => a.alert === viewerAck.id);
  check(untouched && untouched.state !== 'acknowledged', 'the viewer left the alert unacknowledged');
  // Logging out reloads the page, which then asks for a login again.
  await page.click('#logout');
  await page.waitForSelector('#login-form', { state: 'visible' });

  // An operator logs in, sees tracks, opens one, and acknowledges an alert.
  await login(page, 'operator', OPERATOR_PW);
  await page.waitForSelector('#app', { state: 'visible' });
  await page.waitForFunction(() => window.skyfence.tracks.size > 0, null, { timeout: 60000 });
  check((await page.textContent('#who')).includes('operator'), 'the header names the operator');
  // Tracks move: some track's position changes between feed messages.
  const before0 = await page.evaluate(() => [...window.skyfence.tracks.values()].map((t) => [t.id, t.lat, t.lon]));
  await page.waitForFunction((b) => b.some(([id, lat, lon]) => {
    const t = window.skyfence.tracks.get(id);
    return t && (t.lat !== lat || t.lon !== lon);
  }), before0, { timeout: 30000 });

  // Open a track by clicking its symbol.
  const target = await page.evaluate(() => {
    for (const id of window.skyfence.tracks.keys()) {
      const p = window.skyfence.screenOf(id);
      if (p && p.inside) return { id, ...p };
    }
    return null;
  });
  check(target, 'a track is drawn inside the map');
  const box = await page.locator('#map').boundingBox();
  await page.mouse.click(box.x + target.x, box.y + target.y);
  await page.waitForSelector('#detail-title');
  const title = await page.textContent('#detail-title');
  check(/^Track \d+/.test(title), `the detail panel opens a track (got "${title}")`);
  const detail = await page.textContent('#track-detail');
  check(detail.includes('evidence') && detail.includes('identity') && detail.includes('sensors'), 'the detail shows evidence, identity and sensors');

  // Acknowledge the first open alert with one click; its state changes in the API.
  const firstButton = page.locator('#alert-list li button.ack:visible').first();
  await firstButton.waitFor({ timeout: 60000 });
  const alertId = Number(await firstButton.evaluate((b) => b.closest('li').dataset.alert));
  await page.locator(`#alert-list li[data-alert="${alertId}"] button.ack`).click();
  await page.waitForFunction((id) => {
    const li = document.querySelector(`#alert-list li[data-alert="${id}"]`);
    return li && li.querySelector('.alert-state').textContent === 'acknowledged';
  }, alertId, { timeout: 10000 });
  const alerts = await (await fetch(`${URL}/api/alerts`, { headers: { Authorization: `Bearer ${TOKEN}` } })).json();
  const acked = alerts.find((a) => a.alert === alertId);
  check(acked && acked.state === 'acknowledged', `alert ${alertId} is acknowledged in the API`);
  check(acked.acknowledged_by === 'operator' && typeof acked.acknowledged_s === 'number', 'the API records who acknowledged and when');

  // Measurements over ten seconds of live updates.
  const before = await page.evaluate(() => ({ bytes: window.skyfence.stats.bytes, messages: window.skyfence.stats.messages, t: performance.now() }));
  await page.waitForTimeout(10000);
  const after = await page.evaluate(() => {
    const s = window.skyfence.stats;
    const sorted = [...s.frameMs].sort((a, b) => a - b);
    return {
      bytes: s.bytes, messages: s.messages, t: performance.now(), tracks: window.skyfence.tracks.size,
      frame_ms_median: sorted[Math.floor(sorted.length / 2)], frame_ms_max: sorted[sorted.length - 1],
    };
  });
  const secs = (after.t - before.t) / 1000;
  measured.tracks = after.tracks;
  measured.feed_bytes_per_s = Math.round((after.bytes - before.bytes) / secs);
  measured.feed_messages_per_s = +((after.messages - before.messages) / secs).toFixed(2);
  measured.frame_ms_median = +after.frame_ms_median.toFixed(2);
  measured.frame_ms_max = +after.frame_ms_max.toFixed(2);
  check(measured.feed_messages_per_s >= 0.5, `the feed keeps updating (${measured.feed_messages_per_s} messages/s)`);

  // The picture for docs/map.md: an alert's track selected, one step closer.
  await page.locator('#alert-list li').first().click();
  const mapBox = await page.locator('#map').boundingBox();
  await page.mouse.move(mapBox.x + mapBox.width / 2, mapBox.y + mapBox.height / 2);
  await page.mouse.wheel(0, -400);
  await page.waitForTimeout(1500);
  mkdirSync(ARTIFACTS, { recursive: true });
  const shot = join(ARTIFACTS, 'map.png');
  await page.screenshot({ path: shot });
  measured.screenshot = shot;
  check(pageErrors.length === 0, `no script errors on the page: ${pageErrors.join('; ')}`);
  console.log(JSON.stringify(measured));
} finally {
  await browser.close();
}
