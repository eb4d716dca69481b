// Riverlog console: polls the broker's HTTP API and follows one partition over server-sent events.
// No framework and no build step: this file is served as it is.
'use strict';

const TOPICS_POLL_MS = 2000;
const STATS_POLL_MS = 1000;
const CHART_POINTS = 120;
const TAIL_ROWS_KEPT = 100;
const RATE_WINDOW_POLLS = 3;
const GRID_LINES = 5; // a divisor of 10, so that the labels of a nice maximum stay round

const $ = (id) => document.getElementById(id);

// ------------------------------------------------------------------ HTTP

async function getJson(path) {
  const response = await fetch(path, { headers: { Accept: 'application/json' } });
  if (!response.ok) {
    throw new Error(`${path}: HTTP ${response.status}`);
  }
  return response.json();
}

function setStatus(element, text, kind) {
  element.textContent = text;
  element.className = 'status' + (kind ? ' ' + kind : '');
}

// ------------------------------------------------------------------ formatting

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

function bytes(n) {
  if (n === undefined || n === null) return '';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return (unit === 0 ? integer : oneDecimal).format(value) + ' ' + units[unit];
}

// A record's key and value come as UTF-8 text ("value") or, when they are not text, as base64 ("valueBase64").
function field(record, name) {
  if (typeof record[name] === 'string') return record[name];
  if (typeof record[name + 'Base64'] === 'string') return 'base64:' + record[name + 'Base64'];
  return '';
}

function cell(row, content, className) {
  const td = document.createElement('td');
  td.textContent = content;
  if (className) td.className = className;
  row.appendChild(td);
  return td;
}

// ------------------------------------------------------------------ topics

// GET /v1/topics: {"topics": [{"name", "partitions": count, ...}]}; GET /v1/topics/{t} adds
// "partitionStates": [{"partition", "offline", "logStartOffset", "highWatermark", "sizeBytes"}].
async function refreshTopics() {
  const listing = await getJson('/v1/topics');
  const names = listing.topics.map((t) => t.name).sort();
  const topics = await Promise.all(names.map((name) =>
    getJson('/v1/topics/' + encodeURIComponent(name)).catch(() => ({ name, partitionStates: [] }))));
  renderTopics(topics);
  renderTailChoices(names);
}

function renderTopics(topics) {
  const body = $('topic-rows');
  const rows = [];
  for (const topic of topics) {
    for (const p of topic.partitionStates || []) {
      const row = document.createElement('tr');
      row.dataset.testid = 'topic-row';
      row.dataset.topic = topic.name;
      row.dataset.partition = p.partition;
      cell(row, topic.name, 'topic-name');
      cell(row, p.partition, 'num');
      if (p.offline) {
        row.className = 'offline';
        cell(row, 'offline').colSpan = 3;
      } else {
        cell(row, integer.format(p.logStartOffset), 'num');
        cell(row, integer.format(p.highWatermark), 'num').dataset.testid = 'high-watermark';
        cell(row, bytes(p.sizeBytes), 'num');
      }
      const follow = document.createElement('button');
      follow.type = 'button';
      follow.className = 'link';
      follow.textContent = 'tail';
      follow.dataset.testid = 'tail-button';
      follow.addEventListener('click', () => startTail(topic.name, p.partition));
      cell(row, '').appendChild(follow);
      rows.push(row);
    }
  }
  body.replaceChildren(...rows);
  $('no-topics').hidden = topics.length > 0;
}

function renderTailChoices(names) {
  const select = $('tail-topic');
  const chosen = select.value;
  const current = Array.from(select.options).map((o) => o.value);
  if (current.join('\n') === names.join('\n')) return;
  select.replaceChildren(...names.map((name) => new Option(name, name)));
  if (names.includes(chosen)) select.value = chosen;
}

// ------------------------------------------------------------------ throughput

const samples = []; // { inPerSecond, outPerSecond }, oldest first
const polls = []; // the last RATE_WINDOW_POLLS + 1 answers of /v1/stats, oldest first

// A rate is taken over the last few polls, not just two: producers that send in bursts would
// otherwise draw a saw.
async function refreshStats() {
  const stats = await getJson('/v1/stats');
  $('total-in').textContent = integer.format(stats.recordsIn);
  $('connections').textContent = integer.format(stats.kafkaConnections);
  const previous = polls[polls.length - 1];
  if (previous && (stats.timestampMs <= previous.timestampMs || stats.recordsIn < previous.recordsIn)) {
    polls.length = 0; // the broker restarted: its totals started again from 0
  }
  polls.push(stats);
  if (polls.length > RATE_WINDOW_POLLS + 1) polls.shift();
  if (polls.length > 1) {
    const oldest = polls[0];
    const seconds = (stats.timestampMs - oldest.timestampMs) / 1000;
    const point = {
      inPerSecond: (stats.recordsIn - oldest.recordsIn) / seconds,
      outPerSecond: Math.max(0, stats.recordsOut - oldest.recordsOut) / seconds,
    };
    samples.push(point);
    if (samples.length > CHART_POINTS) samples.shift();
    $('rate-in').textContent = integer.format(point.inPerSecond);
    $('rate-out').textContent = integer.format(point.outPerSecond);
  }
  drawChart();
}

/** The smallest of 1, 2 or 5 times a power of ten that is at least {@code n}. */
function niceCeiling(n) {
  if (n <= 0) return 10;
  const power = Math.pow(10, Math.floor(Math.log10(n)));
  for (const step of [1, 2, 5, 10]) {
    if (step * power >= n) return step * power;
  }
  return 10 * power;
}

function drawChart() {
  const canvas = $('throughput');
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth;
  const height = canvas.clientHeight;
  if (canvas.width !== width * ratio || canvas.height !== height * ratio) {
    canvas.width = width * ratio;
    canvas.height = height * ratio;
  }
  const g = canvas.getContext('2d');
  g.setTransform(ratio, 0, 0, ratio, 0, 0);
  g.clearRect(0, 0, width, height);

  const left = 64;
  const right = 8;
  const top = 8;
  const bottom = 20;
  const plotWidth = width - left - right;
  const plotHeight = height - top - bottom;
  const max = niceCeiling(Math.max(0, ...samples.map((p) => Math.max(p.inPerSecond, p.outPerSecond))));

  g.font = '11px system-ui, sans-serif';
  g.fillStyle = '#6a7482';
  g.strokeStyle = '#dde2e8';
  g.lineWidth = 1;
  g.textAlign = 'right';
  g.textBaseline = 'middle';
  for (let i = 0; i <= GRID_LINES; i++) {
    const y = top + plotHeight - (plotHeight * i) / GRID_LINES;
    g.beginPath();
    g.moveTo(left, Math.round(y) + 0.5);
    g.lineTo(width - right, Math.round(y) + 0.5);
    g.stroke();
    g.fillText(oneDecimal.format((max * i) / GRID_LINES), left - 6, y);
  }
  g.textAlign = 'left';
  g.textBaseline = 'alphabetic';
  g.fillText(`${CHART_POINTS * STATS_POLL_MS / 1000} s ago`, left, height - 4);
  g.textAlign = 'right';
  g.fillText('now', width - right, height - 4);

  const x = (i) => left + plotWidth - ((samples.length - 1 - i) * plotWidth) / (CHART_POINTS - 1);
  const y = (v) => top + plotHeight - (v / max) * plotHeight;
  for (const [key, color] of [['outPerSecond', '#d9822b'], ['inPerSecond', '#1f6feb']]) {
    if (samples.length < 2) break;
    g.strokeStyle = color;
    g.lineWidth = 2;
    g.beginPath();
    samples.forEach((p, i) => (i === 0 ? g.moveTo(x(i), y(p[key])) : g.lineTo(x(i), y(p[key]))));
    g.stroke();
  }
}

// ------------------------------------------------------------------ live tail

let tail = null;

function startTail(topic, partition) {
  stopTail();
  $('tail-topic').value = topic;
  $('tail-partition').value = partition;
  $('tail-rows').replaceChildren();
  const url = `/v1/topics/${encodeURIComponent(topic)}/partitions/${partition}/records?offset=latest&follow=true`;
  const source = new EventSource(url);
  tail = source;
  setStatus($('tail-status'), `connecting to ${topic}/${partition}…`);
  $('tail-stop').disabled = false;
  source.onopen = () => setStatus($('tail-status'), `following ${topic}/${partition}`, 'ok');
  source.onerror = () => {
    if (tail !== source) return;
    setStatus($('tail-status'), source.readyState === EventSource.CLOSED
      ? `${topic}/${partition}: stream closed` : `${topic}/${partition}: reconnecting…`, 'bad');
  };
  const onRecord = (event) => showRecord(JSON.parse(event.data));
  source.addEventListener('message', onRecord);
  source.addEventListener('record', onRecord);
}

function stopTail() {
  if (tail) {
    tail.close();
    tail = null;
  }
  $('tail-stop').disabled = true;
  setStatus($('tail-status'), 'not following');
}

function showRecord(record) {
  const row = document.createElement('tr');
  row.dataset.testid = 'tail-record';
  row.dataset.offset = record.offset;
  row.className = 'fresh';
  cell(row, integer.format(record.offset), 'num');
  cell(row, record.timestamp === undefined ? '' : new Date(record.timestamp).toISOString());
  cell(row, field(record, 'key'));
  cell(row, field(record, 'value'), 'value');
  const body = $('tail-rows');
  body.insertBefore(row, body.firstChild);
  while (body.children.length > TAIL_ROWS_KEPT) body.removeChild(body.lastChild);
}

// ------------------------------------------------------------------ start

function every(ms, task) {
  const run = () => task()
    .then(() => setStatus($('status'), 'connected', 'ok'))
    .catch((error) => setStatus($('status'), 'broker unreachable: ' + error.message, 'bad'))
    .finally(() => setTimeout(run, ms));
  run();
}

$('tail-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const topic = $('tail-topic').value;
  if (topic) startTail(topic, Number($('tail-partition').value) || 0);
});
$('tail-stop').addEventListener('click', stopTail);
window.addEventListener('resize', drawChart);

every(TOPICS_POLL_MS, refreshTopics);
every(STATS_POLL_MS, refreshStats);
