// The scoreboard page: ONE EventSource follows every match (/api/live?topic=match:1&topic=match:2...), so one
// id resumes them all. livepush-sse.js keeps that id in sessionStorage and sends it as ?lastEventId= when the
// page reloads (EventSource only sends Last-Event-ID on its own reconnects), and surfaces `reset`.
import { openEventStream } from '/livepush/livepush-sse.js';

const board = document.getElementById('matches');
const stateEl = document.getElementById('state');
const lastEl = document.getElementById('last');
// Read by the browser tests: every score-update in arrival order, and every connection state change.
const received = [];
const states = [];
window.livepushScoreboard = { received, states };

function render(m) {
  let el = document.getElementById('match-' + m.id);
  if (!el) {
    el = document.createElement('section');
    el.className = 'match';
    el.id = 'match-' + m.id;
    el.innerHTML = '<div class="teams"><span class="home"></span><span class="away"></span></div>' +
      '<div class="score"></div><div class="minute"></div>';
    board.appendChild(el);
  }
  el.querySelector('.home').textContent = m.home;
  el.querySelector('.away').textContent = m.away;
  el.querySelector('.score').textContent = m.homeGoals + ' – ' + m.awayGoals;
  el.querySelector('.minute').textContent = m.finished ? 'full time' : m.minute + "'";
  el.classList.toggle('finished', m.finished);
  el.classList.remove('flash');
  void el.offsetWidth; // restart the highlight animation
  el.classList.add('flash');
}

function showState(s) {
  states.push(s);
  stateEl.textContent = s;
  stateEl.className = 'state ' + s;
}

async function reload() {
  const res = await fetch('/api/matches', { cache: 'no-store' });
  const matches = await res.json();
  matches.forEach(render);
  return matches;
}

const matches = await reload();
const topics = matches.map((m) => 'match:' + m.id);
openEventStream('/api/live?topic=' + topics.map(encodeURIComponent).join('&topic='), {
  events: ['score-update', 'match-end'],
  onEvent: (e) => {
    const m = JSON.parse(e.data);
    if (e.type === 'score-update') {
      received.push({ id: e.id, match: m.id, homeGoals: m.homeGoals, awayGoals: m.awayGoals, minute: m.minute });
    }
    render(m);
    lastEl.textContent = 'Last event id ' + e.id + '.';
  },
  onReset: (r) => { console.info('reset', r); reload(); },
  onState: showState,
});
