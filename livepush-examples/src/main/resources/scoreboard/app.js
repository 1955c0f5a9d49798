// The scoreboard page: ONE EventSource follows every match (/api/live?topic=match:1&topic=match:2...), so one
// id resumes them all. livepush-sse.js keeps that id in sessionStorage and sends it as ?lastEventId= when the
// page reloads (EventSource only sends Last-Event-ID on its own reconnects), and surfaces `reset`.
// Viewer counts: /api/matches gives each match's count, and the same stream follows match:N~presence, whose
// presence.join / presence.leave events carry {"topic","member","metadata","count"} with the count after the
// change. The server publishes our own join after our subscription is live, so the first event we get already
// counts everything /api/matches may have missed while we connected.
import { openEventStream } from '/livepush/livepush-sse.js';

const board = document.getElementById('matches');
const stateEl = document.getElementById('state');
const lastEl = document.getElementById('last');
// Read by the browser tests: every score-update in arrival order, every connection state change, and every
// presence event.
const received = [];
const states = [];
const presence = [];
window.livepushScoreboard = { received, states, presence };
// Per match: how many presence events arrived, so a reload answer older than an event does not overwrite it.
const presenceSeen = new Map();
const PRESENCE_SUFFIX = '~presence';

function render(m) {
  let el = document.getElementById('match-' + m.id);
  if (!el) {
    el = document.createElement('section');
    el.className = 'match';
    el.id = 'match-' + m.id;
    el.innerHTML = '<div class="teams"><span class="home"></span><span class="away"></span></div>' +
      '<div class="score"></div><div class="meta"><span class="minute"></span><span class="viewers"></span></div>';
    board.appendChild(el);
  }
  el.querySelector('.home').textContent = m.home;
  el.querySelector('.away').textContent = m.away;
  el.querySelector('.score').textContent = m.homeGoals + ' – ' + m.awayGoals;
  el.querySelector('.minute').textContent = m.finished ? 'full time' : m.minute + "'";
  el.classList.toggle('finished', m.finished);
  if (m.viewers !== undefined) showViewers(m.id, m.viewers);
  el.classList.remove('flash');
  void el.offsetWidth; // restart the highlight animation
  el.classList.add('flash');
}

function showViewers(id, count) {
  const el = document.getElementById('match-' + id);
  if (el) el.querySelector('.viewers').textContent = count + ' watching';
}

function showState(s) {
  states.push(s);
  stateEl.textContent = s;
  stateEl.className = 'state ' + s;
}

async function reload() {
  const seenBefore = new Map(presenceSeen);
  const res = await fetch('/api/matches', { cache: 'no-store' });
  const matches = await res.json();
  for (const m of matches) {
    // A presence event that arrived while we fetched is newer than this answer: keep it.
    if ((presenceSeen.get(m.id) || 0) !== (seenBefore.get(m.id) || 0)) delete m.viewers;
    render(m);
  }
  return matches;
}

const matches = await reload();
const topics = matches.map((m) => 'match:' + m.id);
topics.push(...topics.map((t) => t + PRESENCE_SUFFIX));
openEventStream('/api/live?topic=' + topics.map(encodeURIComponent).join('&topic='), {
  events: ['score-update', 'match-end', 'presence.join', 'presence.leave'],
  onEvent: (e) => {
    const m = JSON.parse(e.data);
    if (e.type === 'presence.join' || e.type === 'presence.leave') {
      const id = m.topic.slice('match:'.length);
      presenceSeen.set(id, (presenceSeen.get(id) || 0) + 1);
      presence.push({ id: e.id, type: e.type, match: id, count: m.count });
      showViewers(id, m.count);
      lastEl.textContent = 'Last event id ' + e.id + '.';
      return;
    }
    if (e.type === 'score-update') {
      received.push({ id: e.id, match: m.id, homeGoals: m.homeGoals, awayGoals: m.awayGoals, minute: m.minute });
    }
    render(m);
    lastEl.textContent = 'Last event id ' + e.id + '.';
  },
  onReset: (r) => { console.info('reset', r); reload(); },
  onState: showState,
});
